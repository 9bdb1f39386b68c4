import type { DatabaseMigrationStatus, MigrationStatusResult } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { readLedger } from './migration-ledger.ts';
import { listMigrations, migrationsFor, sameMigrationText, type MigrationFile } from './migration-files.ts';
import { migrationsDirFor } from './migrations-dir.ts';
import { reachabilityError } from './reachability-error.ts';

/**
 * One database's row of the matrix, read only: a database nobody migrated yet has every file pending.
 * A shard runs the tenant set; global migrations recorded on one (a shard built with `schema:load`,
 * which has every table) are shown as applied there, never as pending where they are absent.
 */
async function databaseStatus(ctx: ConsoleContext, target: DatabaseTarget, files: readonly MigrationFile[]): Promise<DatabaseMigrationStatus> {
  const base = { name: target.name, role: target.role };
  try {
    const ledger = await readLedger(ctx.pools.get(target.name));
    const expected = new Set(migrationsFor(target.role, files).map((f) => f.version));
    const status: DatabaseMigrationStatus = { ...base, reachable: true, error: null, applied: [], pending: [], failed: [], unknown: [] };
    for (const file of files) {
      const entry = ledger.entries.get(file.version);
      const { version, name, set } = file;
      if (ledger.applied.has(version)) {
        const checksum = entry?.status !== 'applied' ? 'unrecorded' : sameMigrationText(entry.checksum, file) ? 'match' : 'edited';
        status.applied.push({ version, name, set, appliedAt: entry?.appliedAt?.toISOString() ?? null, checksum });
      } else if (!expected.has(version)) {
        continue;
      } else if (entry?.status === 'failed') {
        status.failed.push({ version, name, set, error: entry.error ?? 'failed', failedAt: entry.failedAt?.toISOString() ?? null });
      } else {
        status.pending.push({ version, name, set });
      }
    }
    // Versions sort as timestamps: a pending one below the newest applied here runs after it, out of order.
    const newest = [...ledger.applied]
      .filter((v) => /^\d{14}$/.test(v))
      .sort()
      .at(-1);
    for (const p of status.pending) if (newest !== undefined && p.version < newest) p.outOfOrder = true;
    const known = new Set(files.map((f) => f.version));
    for (const version of [...ledger.applied].sort()) {
      if (!known.has(version)) status.unknown.push({ version, appliedAt: ledger.entries.get(version)?.appliedAt?.toISOString() ?? null });
    }
    return status;
  } catch (error) {
    return { ...base, reachable: false, error: reachabilityError(target, error).toInfo(), applied: [], pending: [], failed: [], unknown: [] };
  }
}

/** Every migration version against every database, all databases asked in parallel. */
export async function migrationStatus(ctx: ConsoleContext): Promise<MigrationStatusResult> {
  const dir = migrationsDirFor(ctx.profile);
  const files = await listMigrations(dir);
  const databases = await Promise.all(ctx.pools.targets.map((target) => databaseStatus(ctx, target, files)));
  return {
    migrationsDir: dir,
    migrations: files.map(({ version, name, set, file }) => ({ version, name, set, file })),
    databases,
  };
}
