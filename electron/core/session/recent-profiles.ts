import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { profileSourceSchema, type ProfileSource, type RecentProfile } from '../../../shared/contract.ts';

const MAX_RECENT = 12;
const fileSchema = z.array(z.object({ source: profileSourceSchema, name: z.string(), openedAt: z.string() }));
type Stored = z.infer<typeof fileSchema>[number];

export function sameSource(a: ProfileSource, b: ProfileSource): boolean {
  if (a.kind === 'profile' && b.kind === 'profile') return a.path === b.path;
  if (a.kind === 'rails' && b.kind === 'rails') return a.file === b.file && a.environment === b.environment;
  return a.kind === b.kind;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The profiles opened in the app, newest first, in one small JSON file of the user's data folder
 * (paths and names only: never a secret). A damaged file counts as an empty list, rewritten on the next open.
 */
export class RecentProfiles {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  async #read(): Promise<Stored[]> {
    const text = await readFile(this.#file, 'utf8').catch(() => '[]');
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }

  async #write(entries: readonly Stored[]): Promise<void> {
    await mkdir(dirname(this.#file), { recursive: true, mode: 0o700 });
    const temporary = join(dirname(this.#file), `.recent.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
      await rename(temporary, this.#file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async list(): Promise<RecentProfile[]> {
    const entries = await this.#read();
    return Promise.all(
      entries.map(async (e) => ({ ...e, exists: e.source.kind === 'demo' ? true : await exists(e.source.kind === 'profile' ? e.source.path : e.source.file) })),
    );
  }

  async remember(source: ProfileSource, name: string, now = new Date()): Promise<void> {
    const rest = (await this.#read()).filter((e) => !sameSource(e.source, source));
    await this.#write([{ source, name, openedAt: now.toISOString() }, ...rest].slice(0, MAX_RECENT));
  }

  async forget(source: ProfileSource): Promise<boolean> {
    const entries = await this.#read();
    const rest = entries.filter((e) => !sameSource(e.source, source));
    if (rest.length === entries.length) return false;
    await this.#write(rest);
    return true;
  }
}
