import v8 from 'node:v8';
import vm from 'node:vm';

/*
 * The archive reader hands out rows inside decompressed pieces of 1 MB, and the read-back inside the
 * socket's buffers: memory V8 does not weigh when it schedules collections. Pieces that lived through
 * two minor collections (a read-ahead queue, a batch of lines) are freed only by a full collection,
 * which V8 starts by heap growth, not by these buffers: a restore of a 1.2 million row website left 70
 * MB of them waiting, the peak RSS above 200 MB. A full collection after every 32 MB of rows read keeps
 * that to a fraction of it, for a few milliseconds each (the heap itself holds some 30 MB).
 */

const EVERY_BYTES = 32 * 1024 * 1024;
let sinceCollection = 0;
let collect: (() => void) | null | undefined;

/** V8's own collector, exposed once; null where that is not possible (then nothing is forced). */
function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** Counts bytes of rows read (or copied into pieces for COPY); past every 32 MB, collects what they came in. */
export function rowsRead(bytes: number): void {
  sinceCollection += bytes;
  if (sinceCollection < EVERY_BYTES) return;
  sinceCollection = 0;
  collector()?.();
}
