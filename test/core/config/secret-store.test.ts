import { describe, expect, it } from 'vitest';
import { envSecretReader, memorySecretStore, secretEnvName } from '../../../electron/core/config/secret-store.ts';

describe('secret stores', () => {
  it('maps secret names to SHARD_CONSOLE_SECRET_<NAME> variables', async () => {
    expect(secretEnvName('pwb-prod.shard 1')).toBe('SHARD_CONSOLE_SECRET_PWB_PROD_SHARD_1');
    const reader = envSecretReader({ SHARD_CONSOLE_SECRET_PWB_PROD: 'pw' });
    expect(await reader.get('pwb-prod')).toBe('pw');
    expect(await reader.get('other')).toBeUndefined();
  });

  it('keeps secrets in memory until deleted', async () => {
    const store = memorySecretStore({ a: '1' });
    await store.set('b', '2');
    expect([await store.get('a'), await store.get('b')]).toEqual(['1', '2']);
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });
});
