import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeStorageSecretStore, type SafeStorageLike } from '../../electron/shell/safe-storage-secret-store.ts';

/*
 * The desktop app's secrets file, with a stand-in for Electron's safeStorage (the binary cannot run
 * here) that "encrypts" by reversing the text: saves made at once all land, and a file that cannot be
 * read is never taken for an empty one (the next save would have dropped every secret in it).
 */

const reversing: SafeStorageLike = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (plain) => Buffer.from([...plain].reverse().join('')),
  decryptString: (encrypted) => [...encrypted.toString()].reverse().join(''),
};

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sc-secrets-'));
  file = path.join(dir, 'secrets.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the keychain secrets file', () => {
  it('keeps every secret of saves made at once, and a delete among them', async () => {
    const store = safeStorageSecretStore(reversing, file);
    await store.set('gone', 'soon');
    await Promise.all([...Array.from({ length: 12 }, (_, i) => store.set(`shard_${i}`, `password ${i}`)), store.delete('gone')]);
    for (let i = 0; i < 12; i++) expect(await store.get(`shard_${i}`)).toBe(`password ${i}`);
    expect(await store.get('gone')).toBeUndefined();
    expect(await readFile(file, 'utf8')).not.toContain('password');
  });

  it('refuses to save over a secrets file it cannot read or parse, leaving it as it was', async () => {
    await writeFile(file, '{"shard_1": "not json');
    const store = safeStorageSecretStore(reversing, file);
    await expect(store.set('shard_2', 'x')).rejects.toThrow(/is not the secrets file this console writes \(not JSON\)\. Move it aside/);
    expect(await readFile(file, 'utf8')).toBe('{"shard_1": "not json');
    // A folder where the file should be reads as an error, not as "no secrets yet".
    await rm(file);
    await writeFile(path.join(dir, 'other'), '');
    const inFolder = safeStorageSecretStore(reversing, dir);
    await expect(inFolder.set('shard_2', 'x')).rejects.toThrow(/cannot be read \(EISDIR/);
  });

  it('a failed save does not stop the ones after it', async () => {
    await writeFile(file, 'garbage');
    const store = safeStorageSecretStore(reversing, file);
    const first = store.set('a', '1');
    await expect(first).rejects.toThrow(/not JSON/);
    await writeFile(file, '{}');
    await store.set('b', '2');
    expect(await store.get('b')).toBe('2');
  });
});
