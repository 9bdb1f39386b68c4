import path from 'node:path';
import type { backupMethods } from '../../../shared/contract.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { HandlersFor } from '../dispatch/handlers.ts';
import { runCallAsJob } from '../jobs/run-call-as-job.ts';
import { audited } from '../console-schema/audit-log.ts';
import { userDataDir } from '../user-data-dir.ts';
import { backupDoctor } from './backup-doctor.ts';
import { listBackups } from './backup-folder.ts';
import { createBackup } from './create-backup.ts';
import { inspectBackup, websiteInBackup } from './inspect-backup.ts';
import { verifyBackup } from './verify-backup.ts';

/** Where backups go: the profile's `backupDir`, else a folder per profile in the user's data folder. */
export function backupDir(ctx: ConsoleContext): string {
  return ctx.profile.backupDir ?? path.join(userDataDir(), 'backups', ctx.profile.name.replace(/[^A-Za-z0-9_-]+/g, '-'));
}

export function backupHandlers(ctx: ConsoleContext): HandlersFor<keyof typeof backupMethods> {
  const rules = () => ({ tenantKeys: ctx.profile.tenantKeys, globalTables: ctx.profile.globalTables });
  return {
    'backup.create': async (p, call) => {
      const dir = p.dir ?? backupDir(ctx);
      const details = { dir, format: p.format, databases: p.databases ?? 'all', jobs: p.jobs };
      return audited(ctx.pools.primary(), { action: 'backup.create', target: dir, details }, () =>
        runCallAsJob(ctx, call, { kind: 'backup', title: `Backup of ${p.databases?.join(', ') ?? 'every database'}` }, (job) =>
          createBackup(
            ctx,
            { dir, format: p.format, databases: p.databases, jobs: p.jobs, ...(ctx.profile.pgDumpPaths ? { pgDumpPaths: ctx.profile.pgDumpPaths } : {}) },
            job,
          ),
        ),
      );
    },
    'backup.verify': async (p, call) => runCallAsJob(ctx, call, { kind: 'backup', title: `Verify ${p.path}` }, (job) => verifyBackup(p.path, job)),
    'backup.list': async (p) => {
      const dir = p.dir ?? backupDir(ctx);
      return { dir, backups: await listBackups(dir, { named: p.dir !== undefined }) };
    },
    'backup.inspect': async (p, call) => runCallAsJob(ctx, call, { kind: 'backup', title: `Inspect ${p.path}` }, (job) => inspectBackup(p.path, rules(), job)),
    'backup.website': async (p, call) =>
      runCallAsJob(ctx, call, { kind: 'backup', title: `Website ${p.id} in ${p.path}` }, (job) => websiteInBackup(p.path, p.id, p.rows, rules(), job)),
    'backup.doctor': async (p, call) =>
      runCallAsJob(ctx, call, { kind: 'backup', title: `Doctor of ${p.path}` }, (job) => backupDoctor(ctx, p.path, p.live, rules(), job)),
  };
}
