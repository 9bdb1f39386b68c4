import type pg from 'pg';
import type { EmbeddedServer } from '../../../electron/core/demo/embedded-cluster.ts';
import { applyMigrations } from '../../../electron/core/migrations/apply-migrations.ts';
import type { DatabaseLayout } from '../../../electron/core/migrations/apply-migrations.ts';
import { testPool } from '../../harness/test-cluster.ts';

/** A freshly migrated extra database on a harness server, for tests that must seed their own data. */
export async function createScratchDatabase(
  server: EmbeddedServer,
  password: string,
  name: string,
  layout: DatabaseLayout,
): Promise<{ pool: pg.Pool; drop(): Promise<void> }> {
  const admin = testPool(server, password, 'postgres');
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const pool = testPool(server, password, name);
  await applyMigrations(pool, { layout });
  return {
    pool,
    async drop() {
      await pool.end();
      const cleanup = testPool(server, password, 'postgres');
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
