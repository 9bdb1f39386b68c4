import type { ConsoleContext } from '../console-context.ts';
import type { ConsoleLog } from './console-log.ts';

/** Every value of the profile that is secret: what the log's redactor removes wherever it appears. */
export function profileSecrets(ctx: Pick<ConsoleContext, 'profile'>, env: NodeJS.ProcessEnv = process.env): string[] {
  const role = ctx.profile.queryRole?.password;
  // node-postgres reads PGPASSWORD itself for a database whose profile entry has none.
  const fromEnvironment = env.PGPASSWORD ? [env.PGPASSWORD] : [];
  return [...ctx.profile.databases.flatMap((d) => (d.password ? [d.password] : [])), ...(role ? [role] : []), ...fromEnvironment];
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
