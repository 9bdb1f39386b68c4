import type { Finding } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import { schemaDrift } from '../drift/schema-drift.ts';
import { migrationStatus } from '../migrations/migration-status.ts';
import { finding } from './doctor-finding.ts';

/*
 * The doctor's view of the migrations capability (electron/core/migrations, electron/core/drift):
 * it calls their read-only services and words what they report as findings.
 */

const migrateLink = (database: string) => ({
  action: 'migrate' as const,
  label: 'Open migrations',
  href: '#/migrations',
  websiteId: null,
  from: database,
  to: null,
});

/** `v1, v2, v3, v4, v5, …`: the first five versions, and an ellipsis when there are more. */
function firstVersions(pending: readonly { version: string }[]): string {
  return `${pending
    .slice(0, 5)
    .map((m) => m.version)
    .join(', ')}${pending.length > 5 ? ', …' : ''}`;
}

export async function migrationFindings(ctx: ConsoleContext): Promise<Finding[]> {
  const status = await migrationStatus(ctx);
  return status.databases.flatMap((db) => {
    if (!db.reachable) return [];
    const out: Finding[] = [];
    if (db.failed.length > 0) {
      out.push(
        finding(
          'pending-migrations',
          'error',
          { database: db.name, rows: db.failed.length },
          `${db.failed.length} migration(s) failed on ${db.name}: ${db.failed.map((f) => `${f.version} ${f.name} (${f.error})`).join('; ')}.`,
          `Fix the failing migration, then run \`shard-console migrate\` (or Migrations > Run) for ${db.name}.`,
          migrateLink(db.name),
        ),
      );
    }
    if (db.pending.length > 0) {
      out.push(
        finding(
          'pending-migrations',
          'warning',
          { database: db.name, rows: db.pending.length },
          `${db.pending.length} migration(s) pending on ${db.name}: ${firstVersions(db.pending)}; its schema lags the others until they run.`,
          `Run the pending migrations on ${db.name} (\`shard-console migrate\`, or Migrations > Run), so every database has the same schema.`,
          migrateLink(db.name),
        ),
      );
    }
    return out;
  });
}

export async function driftFindings(ctx: ConsoleContext): Promise<Finding[]> {
  const result = await schemaDrift(ctx);
  return result.drift.map((item) =>
    finding(
      'schema-drift',
      'error',
      { database: item.database, table: item.table },
      `${item.table} on ${item.database} differs from ${result.reference}: ${item.detail} (${item.kind}).`,
      `Bring ${item.database} in line with ${result.reference} through a migration (review: ${item.fix}).`,
      migrateLink(item.database),
    ),
  );
}
