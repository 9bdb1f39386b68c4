import type { ConsoleContext } from '../console-context.ts';
import type { ConsoleLog } from './console-log.ts';

/** Every value of the profile that is secret: what the log's redactor removes wherever it appears. */
export function profileSecrets(ctx: Pick<ConsoleContext, 'profile'>): string[] {
  const role = ctx.profile.queryRole?.password;
  return [...ctx.profile.databases.flatMap((d) => (d.password ? [d.password] : [])), ...(role ? [role] : [])];
}

/** What the log records of an open console: which profile, and each job as it starts and ends. */
export function logConsole(ctx: ConsoleContext, log: ConsoleLog): () => void {
  log.info(
    `profile ${ctx.profile.name} (${ctx.profile.source}): ${ctx.profile.databases.map((d) => `${d.name}=${d.host}:${d.port}/${d.database}`).join(', ')}${ctx.profile.readOnly ? ', read-only' : ''}`,
  );
  return ctx.jobs.observe((job) => {
    if (job.state === 'running') log.info(`job ${job.id} started: ${job.title} (by ${job.caller})`);
    else log.info(`job ${job.id} ${job.state}: ${job.title}${job.error ? ` (${job.error.code}: ${job.error.message})` : ''}`);
  });
}
