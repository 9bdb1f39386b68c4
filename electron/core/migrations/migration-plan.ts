import type { MigrationPlanResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';
import { readLedger } from './migration-ledger.ts';
import { listMigrations, migrationFilesDigest, migrationsFor } from './migration-files.ts';
import { migrationsDirFor } from './migrations-dir.ts';

/** The databases a run covers, primary first: all of them, or the one `--database` names. */
export function runTargets(ctx: ConsoleContext, database: string | undefined) {
  if (database === undefined) return [...ctx.pools.targets];
  return [ctx.pools.get(database).target];
}

/** Dry run: what `migrations.up` would run where, in which order, read from each database without writing. */
export async function migrationPlan(ctx: ConsoleContext, params: { database?: string | undefined; parallel: number }): Promise<MigrationPlanResult> {
  const dir = migrationsDirFor(ctx.profile);
  const files = await listMigrations(dir);
  const databases = await Promise.all(
    runTargets(ctx, params.database).map(async (target) => {
      const stage = target.role === 'primary' ? 1 : 2;
      try {
        const ledger = await readLedger(ctx.pools.get(target.name));
        const steps = migrationsFor(target.role, files)
          .filter((f) => !ledger.applied.has(f.version))
          .map(({ version, name, set, sql }) => ({ version, name, set, sql }));
        return { name: target.name, stage, steps, error: null };
      } catch (error) {
        const info = error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL' as const, message: String(error) };
        return { name: target.name, stage, steps: [], error: info };
      }
    }),
  );
  return { migrationsDir: dir, filesDigest: migrationFilesDigest(files), parallel: params.parallel, databases };
}
