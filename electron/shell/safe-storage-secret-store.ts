import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretStore } from '../core/config/secret-store.ts';

/** The slice of Electron's safeStorage used here (OS keychain: Keychain, DPAPI, libsecret/kwallet). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * Secrets encrypted by the OS keychain, kept as ciphertext in one file (mode 0600). Refuses to store
 * anything when only Chromium's plain-text fallback is available: that would be a clear password on disk.
 */
export function safeStorageSecretStore(safeStorage: SafeStorageLike, file: string): SecretStore {
  /** The file's entries; none only when there is no file yet (an unreadable one must not read as empty, or the next save would drop every secret). */
  async function readAll(): Promise<Record<string, string>> {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '{}';
      throw new Error(`The keychain-encrypted secrets in ${file} cannot be read (${error.message}). Check the file's owner and permissions.`);
    });
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw new Error(`${file} is not the secrets file this console writes (not JSON). Move it aside, then save the passwords again.`);
    }
  }
  /** Saves one after another: two at once would each read the file, and the later write drop the other's entry. */
  let saving: Promise<unknown> = Promise.resolve();
  function change(edit: (entries: Record<string, string>) => void): Promise<void> {
    const next = saving.then(async () => {
      const entries = await readAll();
      edit(entries);
      await writeAll(entries);
    });
    saving = next.catch(() => {});
    return next;
  }
  async function writeAll(entries: Record<string, string>): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(entries, null, 2), { mode: 0o600 });
    await rename(temp, file);
  }
  function assertUsable(): void {
    const backend = safeStorage.getSelectedStorageBackend?.();
    if (!safeStorage.isEncryptionAvailable() || backend === 'basic_text') {
      throw new Error('No OS keychain is available (safeStorage), so the password cannot be stored safely. Use a ${ENV_VAR} reference in the profile instead.');
    }
  }
  return Object.freeze({
    async get(name: string) {
      const encrypted = (await readAll())[name];
      if (encrypted === undefined) return undefined;
      assertUsable();
      return safeStorage.decryptString(Buffer.from(encrypted, 'base64'));
    },
    async set(name: string, value: string) {
      assertUsable();
      const encrypted = safeStorage.encryptString(value).toString('base64');
      await change((entries) => {
        entries[name] = encrypted;
      });
    },
    async delete(name: string) {
      await change((entries) => {
        delete entries[name];
      });
    },
  });
}
