/**
 * A hash table from byte strings to int32 values, in typed arrays and one byte arena: no JS object or
 * string per key. Maps like "realty asset id -> website" hold one entry per parent row, so their size
 * must stay near the bytes of the keys themselves: 10 bytes of bookkeeping per entry (offset, length,
 * value), 4 to 8 bytes of slots (kept at most half full) and the packed key (17 bytes for a uuid, 3 to 6
 * for an integer id), so 20 to 35 bytes an entry; arrays grow by doubling, up to twice that right after.
 */
export class ByteKeyTable {
  #slots: Int32Array;
  #mask: number;
  #offsets: Uint32Array;
  #lengths: Uint16Array;
  #values: Int32Array;
  #arena: Buffer;
  #arenaUsed = 0;
  #size = 0;

  constructor(capacity = 1024) {
    const slots = nextPowerOfTwo(Math.max(16, capacity * 2));
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
    this.#offsets = new Uint32Array(capacity);
    this.#lengths = new Uint16Array(capacity);
    this.#values = new Int32Array(capacity);
    this.#arena = Buffer.allocUnsafe(capacity * 16);
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table's arrays, for the memory bound. */
  get bytes(): number {
    return this.#slots.byteLength + this.#offsets.byteLength + this.#lengths.byteLength + this.#values.byteLength + this.#arena.length;
  }

  /** The entry index of a key, or -1. */
  find(key: Buffer, length: number): number {
    const hash = hashBytes(key, 0, length);
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const stored = this.#slots[slot]!;
      if (stored === 0) return -1;
      if (this.#sameKey(stored - 1, key, length)) return stored - 1;
    }
  }

  /** The entry index of a key, inserting it with `initial` when absent. */
  intern(key: Buffer, length: number, initial: number): number {
    if (length > 0xffff) throw new RangeError(`a key of ${length} bytes is longer than a key column can be`);
    const hash = hashBytes(key, 0, length);
    let slot = hash & this.#mask;
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
    return this.#values[entry]!;
  }

  setValue(entry: number, value: number): void {
    this.#values[entry] = value;
  }

  /** Key bytes of an entry (a view into the arena: copy it to keep it). */
  key(entry: number): Buffer {
    const offset = this.#offsets[entry]!;
    return this.#arena.subarray(offset, offset + this.#lengths[entry]!);
  }

  #sameKey(entry: number, key: Buffer, length: number): boolean {
    if (this.#lengths[entry] !== length) return false;
    const offset = this.#offsets[entry]!;
    const arena = this.#arena;
    for (let i = 0; i < length; i++) if (arena[offset + i] !== key[i]) return false;
    return true;
  }

  #append(key: Buffer, length: number, value: number): number {
    const entry = this.#size++;
    if (entry >= this.#values.length) this.#growEntries();
    if (this.#arenaUsed + length > this.#arena.length) this.#growArena(length);
    // A byte loop: Buffer#copy builds a typed-array view per call, garbage once per key here.
    const arena = this.#arena;
    const at = this.#arenaUsed;
    for (let i = 0; i < length; i++) arena[at + i] = key[i]!;
    this.#offsets[entry] = this.#arenaUsed;
    this.#lengths[entry] = length;
    this.#values[entry] = value;
    this.#arenaUsed += length;
    return entry;
  }

  #growEntries(): void {
    const capacity = this.#values.length * 2;
    this.#offsets = grow(this.#offsets, new Uint32Array(capacity));
    this.#lengths = grow(this.#lengths, new Uint16Array(capacity));
    this.#values = grow(this.#values, new Int32Array(capacity));
  }

  #growArena(needed: number): void {
    const arena = Buffer.allocUnsafe(Math.max(this.#arena.length * 2, this.#arenaUsed + needed));
    this.#arena.copy(arena, 0, 0, this.#arenaUsed);
    this.#arena = arena;
  }

  /** Doubles the slots; hashes are computed again from the arena rather than kept (4 bytes an entry saved). */
  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.#size; entry++) {
      const offset = this.#offsets[entry]!;
      let slot = hashBytes(this.#arena, offset, this.#lengths[entry]!) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

function grow<T extends Uint32Array | Uint16Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Four bytes a step (murmur3's mixing), then a final mix so that sequential ids spread over the slots. */
function hashBytes(bytes: Buffer, start: number, length: number): number {
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
