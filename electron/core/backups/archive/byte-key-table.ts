/**
 * A hash table from byte strings to int32 values, in typed arrays: no JS object or string per key. Maps
 * like "realty asset id -> website" hold one entry per parent row and are probed once per child row in
 * random order, so each entry is one fixed-width record (value, key length, key bytes) that a lookup
 * reads with a single cache miss after the slot's. Records are as wide as the longest key so far: 12
 * bytes for an integer id, 24 for a uuid (keys are packed, see pack-copy-key.ts); with 4 to 8 bytes of
 * slots (at most half full) that is 16 to 32 bytes an entry, up to twice that right after a growth.
 */
export class ByteKeyTable {
  #slots: Int32Array;
  #mask: number;
  #records: Uint8Array;
  /** The same memory as int32s: values sit at the start of each record (the width is a multiple of 4). */
  #words: Int32Array;
  /** Record width: 4 bytes of value, 2 of key length, then room for the longest key, rounded to 4. */
  #stride = 0;
  #capacity: number;
  #size = 0;

  constructor(capacity = 1024) {
    const slots = nextPowerOfTwo(Math.max(16, capacity * 2));
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
    this.#capacity = capacity;
    this.#records = new Uint8Array(0);
    this.#words = new Int32Array(0);
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table's arrays, for the memory bound. */
  get bytes(): number {
    return this.#slots.byteLength + this.#records.byteLength;
  }

  /** The entry index of a key, or -1. */
  find(key: Buffer, length: number): number {
    if (length + 6 > this.#stride) return -1;
    for (let slot = hashBytes(key, 0, length) & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const stored = this.#slots[slot]!;
      if (stored === 0) return -1;
      if (this.#sameKey(stored - 1, key, length)) return stored - 1;
    }
  }

  /** The entry index of a key, inserting it with `initial` when absent. */
  intern(key: Buffer, length: number, initial: number): number {
    if (length > 0xffff) throw new RangeError(`a key of ${length} bytes is longer than a key column can be`);
    if (length + 6 > this.#stride) this.#widen(length);
    let slot = hashBytes(key, 0, length) & this.#mask;
    for (; ; slot = (slot + 1) & this.#mask) {
      const stored = this.#slots[slot]!;
      if (stored === 0) break;
      if (this.#sameKey(stored - 1, key, length)) return stored - 1;
    }
    const entry = this.#append(key, length, initial);
    this.#slots[slot] = entry + 1;
    if (this.#size * 2 > this.#slots.length) this.#rehash();
    return entry;
  }

  value(entry: number): number {
    return this.#words[(entry * this.#stride) >> 2]!;
  }

  setValue(entry: number, value: number): void {
    this.#words[(entry * this.#stride) >> 2] = value;
  }

  /** Key bytes of an entry (a view into the table: copy it to keep it). */
  key(entry: number): Buffer {
    const at = entry * this.#stride;
    const records = this.#records;
    return Buffer.from(records.buffer, records.byteOffset + at + 6, records[at + 4]! | (records[at + 5]! << 8));
  }

  #sameKey(entry: number, key: Buffer, length: number): boolean {
    const records = this.#records;
    const at = entry * this.#stride;
    if ((records[at + 4]! | (records[at + 5]! << 8)) !== length) return false;
    for (let i = 0, k = at + 6; i < length; i++, k++) if (records[k] !== key[i]) return false;
    return true;
  }

  #append(key: Buffer, length: number, value: number): number {
    if (this.#size >= this.#capacity) this.#grow(this.#capacity * 2, this.#stride);
    const entry = this.#size++;
    const records = this.#records;
    const at = entry * this.#stride;
    this.#words[at >> 2] = value;
    records[at + 4] = length & 0xff;
    records[at + 5] = length >>> 8;
    // A byte loop: Buffer#copy builds a typed-array view per call, garbage once per key here.
    for (let i = 0, k = at + 6; i < length; i++, k++) records[k] = key[i]!;
    return entry;
  }

  /** A key longer than the records hold: every record gets wider (keys of one column rarely differ much). */
  #widen(length: number): void {
    this.#grow(this.#capacity, (length + 6 + 3) & ~3);
  }

  #grow(capacity: number, stride: number): void {
    const records = new Uint8Array(capacity * stride);
    const old = this.#stride;
    for (let entry = 0; entry < this.#size; entry++) records.set(this.#records.subarray(entry * old, entry * old + old), entry * stride);
    this.#records = records;
    this.#words = new Int32Array(records.buffer);
    this.#capacity = capacity;
    this.#stride = stride;
  }

  /** Doubles the slots, hashing each key again from its record. */
  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    const records = this.#records;
    for (let entry = 0; entry < this.#size; entry++) {
      const at = entry * this.#stride;
      let slot = hashBytes(records, at + 6, records[at + 4]! | (records[at + 5]! << 8)) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Four bytes a step (murmur3's mixing), then a final mix so that sequential ids spread over the slots. */
function hashBytes(bytes: Uint8Array, start: number, length: number): number {
  let h = length;
  let i = start;
  const end = start + length;
  for (; i + 4 <= end; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = Math.imul(h, 5) + 0xe6546b64;
  }
  for (; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // 30 bits: a small integer, which V8 returns without boxing it into a heap number.
  return h & 0x3fffffff;
}
