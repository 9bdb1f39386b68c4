import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { link, lstat, open, rename, unlink } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';

/*
 * Files that appear whole or not at all: written to a temporary file beside the target (same folder,
 * so the rename cannot cross file systems), flushed to disk, then renamed over it. A reader never sees
 * half a file, and a failed or cancelled write leaves nothing behind but what was there before.
 * Mode 0600 by default: query results and history are the operator's, not other local users'.
 */

function tempPathBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.partial`);
}

/** Writes `text` to `file` atomically. */
export async function writeFileAtomic(file: string, text: string, mode = 0o600): Promise<void> {
  const temp = tempPathBeside(file);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/** A streaming atomic write: `write` waits while the disk is behind (backpressure); `commit` renames, `discard` removes. */
export class AtomicFileWriter {
  readonly file: string;
  readonly #temp: string;
  readonly #stream: WriteStream;
  #failure: Error | null = null;
  #bytes = 0;

  private constructor(file: string, temp: string, stream: WriteStream) {
    this.file = file;
    this.#temp = temp;
    this.#stream = stream;
    stream.on('error', (error) => (this.#failure ??= error));
  }

  static async open(file: string, mode = 0o600): Promise<AtomicFileWriter> {
    const temp = tempPathBeside(path.resolve(file));
    const stream = createWriteStream(temp, { flags: 'wx', mode });
    await once(stream, 'open');
    return new AtomicFileWriter(path.resolve(file), temp, stream);
  }

  get bytes(): number {
    return this.#bytes;
  }

  async write(text: string): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#bytes += Buffer.byteLength(text);
    if (!this.#stream.write(text)) await once(this.#stream, 'drain');
  }

  /**
   * Flushes and puts the file in place. Without `replace`, a file that appeared at the path meanwhile is
   * kept and the commit fails with EEXIST: the new file is linked in (which never replaces), where the
   * file system has links; elsewhere a check just before the rename.
   */
  async commit(options: { replace?: boolean } = {}): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#stream.end();
    await once(this.#stream, 'close');
    if (this.#failure) throw this.#failure;
    const handle = await open(this.#temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.replace === false) return this.#commitNew();
    await rename(this.#temp, this.file);
  }

  async #commitNew(): Promise<void> {
    try {
      await link(this.#temp, this.file);
      await unlink(this.#temp);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' || !['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code ?? '')) throw error;
    }
    // No hard links here (FAT, some network shares): a check, then the rename.
    if (
      await lstat(this.file).then(
        () => true,
        () => false,
      )
    )
      throw Object.assign(new Error(`${this.file} exists`), { code: 'EEXIST' });
    await rename(this.#temp, this.file);
  }

  async discard(): Promise<void> {
    if (!this.#stream.closed) {
      const closed = once(this.#stream, 'close').catch(() => {});
      this.#stream.destroy();
      await closed;
    }
    await unlink(this.#temp).catch(() => {});
  }
}
