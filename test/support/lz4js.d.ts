/** lz4js ships no types: the two functions the archive tests use to write LZ4 frames and blocks. */
declare module 'lz4js' {
  /** Compresses `input` into one LZ4 frame. */
  export function compress(input: Uint8Array, maxSize?: number): Uint8Array;
  /** Decompresses a whole LZ4 frame held in memory. */
  export function decompress(input: Uint8Array, maxSize?: number): Uint8Array;
  const lz4js: { compress: typeof compress; decompress: typeof decompress };
  export default lz4js;
}
