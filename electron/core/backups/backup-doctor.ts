import type { z } from 'zod';
import type { offlineDoctorSchema } from '../../../shared/methods/backup-methods.ts';
import { ConsoleError, type ErrorInfo } from '../../../shared/errors.ts';
import type { BackupManifest } from '../../../shared/methods/backup-methods.ts';
import type { ConsoleContext } from '../console-context.ts';
import { readRoutingMap } from '../doctor/routing-map.ts';
import { tenantKeyTotals } from '../doctor/tenant-key-totals.ts';
import type { RunningJob } from '../jobs/job-registry.ts';
import { archivesAt } from './backup-folder.ts';
import { inspectBackup, type TableRules } from './inspect-backup.ts';

type OfflineDoctor = z.infer<typeof offlineDoctorSchema>;

/** Rows per website now, summed over every database, and where each website routes now. */
/** Per website, its rows now on the databases named (the ones the backup holds), and the routing map. */
async function liveRows(ctx: ConsoleContext, databases: ReadonlySet<string>): Promise<{ rows: Map<number, number>; routing: Map<number, string> }> {
  const rows = new Map<number, number>();
  for (const target of ctx.pools.targets.filter((t) => databases.has(t.name))) {
    const totals = await tenantKeyTotals(ctx.pools.get(target.name), await ctx.catalog.get(target.name));
    for (const [id, n] of totals) rows.set(id, (rows.get(id) ?? 0) + n);
  }
  return { rows, routing: await readRoutingMap(ctx) };
}

/** Why a backup whose manifest lists databases that did not finish cannot be compared whole; null when it can. */
function incompleteError(manifest: BackupManifest | null): ErrorInfo | null {
  if (!manifest || manifest.incomplete.length === 0) return null;
  const missing = manifest.incomplete.map((i) => `${i.name} (${i.error.message})`).join('; ');
  return {
    code: 'BACKUP_FAILED',
    message: `This backup is incomplete: the dump of ${missing} did not finish, so its websites' rows are not in it (nor compared with the cluster, with --live). Take a new backup of those databases (shard-console backup create --database NAME), and compare that one.`,
    target: manifest.incomplete[0]!.name,
  };
}

/**
 * The databases a backup holds, each configured in this profile: what `--live` compares it with. A
 * backup of some of the databases compared with all of them would list every website of the others as
 * changed. A lone archive names the PostgreSQL database it was dumped from: the configured database of
 * that name (when exactly one is) is the one it is compared with.
 */
function coveredDatabases(ctx: ConsoleContext, archives: ReadonlyArray<{ database: string | null; file: string }>): Set<string> | ErrorInfo {
  const lone = archives.find((a) => a.database === null);
  if (lone) {
    return {
      code: 'ACTION_NOT_ALLOWED',
      message: `Which database ${lone.file} holds is not known (no manifest names it, nor its own header), so it cannot be compared with the cluster. Compare the backup folder it came from (its manifest names each archive's database).`,
      target: lone.file,
    };
  }
  // A manifest names the profile's databases; a lone archive, the PostgreSQL database pg_dump read.
  const configured = (name: string) => {
    if (ctx.pools.has(name)) return name;
    const same = ctx.pools.targets.filter((t) => t.database === name);
    return same.length === 1 ? same[0]!.name : null;
  };
  const named = archives.map((a) => a.database!);
  const shared = named.find((d) => !ctx.pools.has(d) && ctx.pools.targets.filter((t) => t.database === d).length > 1);
  if (shared !== undefined) {
    const which = ctx.pools.targets.filter((t) => t.database === shared).map((t) => t.name);
    return {
      code: 'ACTION_NOT_ALLOWED',
      message: `The archive was dumped from a database named ${shared}, and ${which.join(', ')} are all named so, so which one to compare it with is not known. Compare the backup folder it came from (its manifest names each archive's database).`,
      target: shared,
    };
  }
  const unknown = named.filter((d) => configured(d) === null);
  if (unknown.length) {
    return {
      code: 'SHARD_UNKNOWN',
      message: `The backup holds ${unknown.join(', ')}, which this profile does not configure (configured: ${ctx.pools.targets.map((t) => t.name).join(', ')}), so its rows cannot be compared with the cluster. Open the backup with the profile of the cluster it came from.`,
      target: unknown[0]!,
    };
  }
  return new Set(named.map((d) => configured(d)!));
}

/**
 * The doctor for a backup. With its manifest: websites whose rows were in a database their routing of
 * that day did not name (a move half done when the backup ran, or rows left behind). With `live`: per
 * website, its rows in the backup against its rows now on the databases the backup holds (all of them,
 * or the ones `backup create --database` named), listing those that differ.
 */
export async function backupDoctor(ctx: ConsoleContext | null, target: string, live: boolean, rules: TableRules, job: RunningJob): Promise<OfflineDoctor> {
  const { archives } = await inspectBackup(target, rules, job);
  const { manifest } = await archivesAt(target);
  const misplaced: OfflineDoctor['misplaced'] = [];
  if (manifest) {
    for (const archive of archives) {
      for (const w of archive.websites) {
        const routedTo = manifest.routing[String(w.id)] ?? null;
        if (routedTo !== archive.database) misplaced.push({ website: w.id, routedTo, foundIn: archive.database ?? archive.file, rows: w.rows });
      }
    }
  }
  // A dump that did not finish is said as the backup's (it is listed among the archives too, unread).
  const unfinished = new Set(manifest?.incomplete.map((i) => i.name));
  const damaged = archives.find((a) => a.error !== null && !unfinished.has(a.database ?? ''))?.error ?? incompleteError(manifest);
  let changes: OfflineDoctor['changes'] = null;
  // A backup read only in part, or one whose dump of a database did not finish, has no row counts to
  // compare: every website of what is missing would look changed.
  if (live && !damaged) {
    if (ctx === null)
      throw new ConsoleError(
        'CONFIG_NOT_FOUND',
        'Comparing a backup with the cluster needs a profile: give --profile (or open the backup from a console connected to the cluster).',
      );
    const covered = coveredDatabases(ctx, archives);
    if ('code' in covered) return { misplaced: misplaced.sort((a, b) => a.website - b.website), changes: null, error: covered };
    const now = await liveRows(ctx, covered);
    const then = new Map<number, number>();
    for (const archive of archives) for (const w of archive.websites) then.set(w.id, (then.get(w.id) ?? 0) + w.rows);
    const ids = [...new Set([...then.keys(), ...now.rows.keys()])].sort((a, b) => a - b);
    changes = ids
      .map((id) => ({ website: id, backupRows: then.get(id) ?? 0, liveRows: now.rows.get(id) ?? 0, liveShard: now.routing.get(id) ?? null }))
      .filter((c) => c.backupRows !== c.liveRows);
  }
  return { misplaced: misplaced.sort((a, b) => a.website - b.website), changes, error: damaged ?? null };
}
