import type { RestoreJob, RestorePreflight, RestoreRequest } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { formatCount } from '../../../shared/format.ts';
import { jobIdSchema, viewRefreshSchema, type ViewRefresh } from '../../../shared/methods/move-methods.ts';
import { restoreMethods } from '../../../shared/methods/restore-methods.ts';
import type { ConsoleContext } from '../../core/console-context.ts';
import { callMethod } from '../call-method.ts';
import { intOption, websiteIdArgument, refuseOptions } from '../cli-args.ts';
import { stringOption, type CliCommand, type CliInvocation } from '../cli-command.ts';
import { renderTable, type CliIo } from '../cli-output.ts';
import { followJob, STOPPED_EXIT } from '../follow-job.ts';

/*
 * Restores from the command line, through the contract like every page: `restore ID --from PATH`
 * without --yes prints the plan (restores.preflight) and changes nothing; with it the job starts in this
 * process (restores.start), its progress is followed (jobs.watch, Ctrl-C stops it resumably) and the
 * job is printed as the UI receives it (restores.get).
 */

const USAGE =
  'restore ID --from PATH [--archive DATABASE] [--to SHARD] [--replace | --into-schema NAME] [--refresh-views concurrently|rebuild] [--yes] | restore resume JOB | restore rollback JOB [--discard-changes --yes] | restore discard JOB [--yes] | restore drop-schema NAME [--to SHARD] [--yes]';

function usageError(detail = ''): ConsoleError {
  return new ConsoleError('INVALID_PARAMS', `${detail}${detail ? ' ' : ''}Usage: shard-console ${USAGE}`);
}

function printJob(io: CliIo, job: RestoreJob, json: boolean): void {
  if (json) {
    io.out(JSON.stringify(job, null, 2));
    return;
  }
  const where = job.mode === 'side-by-side' ? `schema ${job.schema} on ${job.target}` : job.target;
  io.out(`restore job ${job.jobId}: website ${job.websiteId} (${job.mode}) into ${where}: ${job.state} at step ${job.step}${job.verified ? ', verified' : ''}`);
  if (job.state === 'rolled_back') io.out(`Rolled back: website ${job.websiteId} is as it was before the restore (the verification below is the restore's).`);
  if (job.tables.length) {
    const rows = job.tables.map((v) => [v.table, formatCount(v.archiveRows), formatCount(v.targetRows), v.ok ? 'yes' : 'NO']);
    io.out(renderTable(['TABLE', 'ARCHIVE ROWS', 'RESTORED ROWS', 'MATCH'], rows, [1, 2]));
  }
  if (job.holding && job.state === 'succeeded')
    io.out(`The website's rows from before the restore are kept in ${job.holding} on ${job.target} until discarded.`);
  if (job.error) io.err(job.error);
  const next = job.actions.filter((a) => a !== 'stop');
  if (next.length) io.err(`Next: ${next.map((a) => `shard-console restore ${a} ${job.jobId}`).join(', or ')}`);
}

function printPlan(io: CliIo, preview: RestorePreflight): void {
  if (!preview.ok || !preview.plan) {
    for (const r of preview.refusals) io.err(`refused [${r.code}]${r.table ? ` ${r.table}` : ''}: ${r.message}`);
    io.err('Nothing was changed.');
    return;
  }
  const plan = preview.plan;
  const where =
    plan.mode === 'side-by-side'
      ? `a new schema ${plan.schema} on ${plan.target}`
      : plan.mode === 'replace'
        ? `${plan.target}, replacing its rows there`
        : `${plan.target}, an empty place (then its shard_name is switched there)`;
  io.out(
    `Plan: restore website ${plan.websiteId} from ${plan.source.file}${plan.source.database ? ` (database ${plan.source.database})` : ''}, dumped ${plan.source.dumpedAt ?? 'at an unknown time'}, into ${where}`,
  );
  const rows = plan.tables.map((t) => [String(t.level), t.table, formatCount(t.archiveRows), formatCount(t.liveRows)]);
  io.out(renderTable(['LEVEL', 'TABLE', 'ARCHIVE ROWS', 'ROWS NOW'], rows, [0, 2, 3]));
  io.out(`${formatCount(plan.totalArchiveRows)} rows from the archive; ${formatCount(plan.totalLiveRows)} rows of the website on ${plan.target} now.`);
  for (const note of plan.notes) io.out(`note: ${note}`);
  if (plan.materializedViews.length) io.out(`Materialized views refreshed (${plan.viewRefresh}): ${plan.materializedViews.join(', ')}`);
  io.out('Nothing was changed. Run again with --yes to restore.');
}

/** The request the options describe; a wrong combination is a usage error before anything is called. */
function requestOf({ positionals, options }: CliInvocation): RestoreRequest {
  const websiteId = websiteIdArgument(positionals[0]);
  const from = stringOption(options, 'from');
  if (websiteId === undefined || from === undefined) throw usageError('restore needs the website id and --from PATH (a backup folder or an archive).');
  const schema = stringOption(options, 'into-schema');
  if (options.replace && schema !== undefined) throw usageError('--replace and --into-schema are two different restores: pick one.');
  const refresh = stringOption(options, 'refresh-views');
  if (refresh !== undefined && !viewRefreshSchema.options.includes(refresh as ViewRefresh))
    throw usageError(`--refresh-views takes ${viewRefreshSchema.options.join(' or ')}, not "${refresh}".`);
  const archive = stringOption(options, 'archive');
  const target = stringOption(options, 'to');
  return {
    websiteId,
    path: from,
    mode: options.replace ? 'replace' : schema !== undefined ? 'side-by-side' : 'empty',
    ...(schema !== undefined ? { intoSchema: schema } : {}),
    ...(archive !== undefined ? { archive } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(refresh !== undefined ? { viewRefresh: refresh as ViewRefresh } : {}),
  };
}

/** Follows a job this process runs to its end and prints it; 0 only when it ended as `wanted` (and verified, for a restore). */
async function followAndPrint(ctx: ConsoleContext, io: CliIo, jobId: string, json: boolean, wanted: RestoreJob['state']): Promise<number> {
  const ended = await followJob(ctx, io, jobId);
  const job = await callMethod(ctx, 'restores.get', { jobId });
  printJob(io, job, json);
  if (ended.state === 'interrupted') return STOPPED_EXIT;
  return job.state === wanted && (wanted !== 'succeeded' || job.verified) ? 0 : 1;
}

async function restoreWebsite(ctx: ConsoleContext, invocation: CliInvocation): Promise<number> {
  const request = requestOf(invocation);
  const { options, io } = invocation;
  if (!options.yes) {
    const preview = await callMethod(ctx, 'restores.preflight', request);
    if (options.json) io.out(JSON.stringify(preview, null, 2));
    else printPlan(io, preview);
    return preview.ok ? 0 : 1;
  }
  const job = await callMethod(ctx, 'restores.start', request);
  io.err(`restore job ${job.jobId}: website ${job.websiteId} from ${job.source.file} into ${job.target} (${job.mode})`);
  return followAndPrint(ctx, io, job.jobId, options.json === true, 'succeeded');
}

function jobIdArgument(verb: string, value: string | undefined): string {
  if (value === undefined) throw usageError(`restore ${verb} needs a job id (shard-console restores lists them).`);
  if (!jobIdSchema.safeParse(value).success)
    throw usageError(`A job id is a uuid like 3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f; got ${JSON.stringify(value.slice(0, 80))}.`);
  return value;
}

/** `restore drop-schema NAME` without --yes: which job's schema it would drop, and nothing changed. */
async function previewDropSchema(ctx: ConsoleContext, io: CliIo, schema: string, to: string | undefined, json: boolean): Promise<number> {
  // A name the drop would refuse is refused here the same way (exit 2), preview or not.
  const valid = restoreMethods['restores.dropSchema'].params.safeParse({ schema, ...(to !== undefined ? { database: to } : {}) });
  if (!valid.success) throw new ConsoleError('INVALID_PARAMS', valid.error.issues.map((i) => `${i.path.join('.') || 'schema'}: ${i.message}`).join('; '));
  const { jobs } = await callMethod(ctx, 'restores.list', { limit: 500 });
  const made = jobs.find((j) => j.schema === schema && !j.discarded && (to === undefined || j.target === to));
  if (json) {
    const wouldDrop = made ? { schema, database: made.target, jobId: made.jobId, websiteId: made.websiteId } : null;
    io.out(JSON.stringify({ preview: true, changed: false, wouldDrop }, null, 2));
  } else if (made) io.out(`Would drop schema ${schema} on ${made.target}: the tables restore job ${made.jobId} made there for website ${made.websiteId}.`);
  else io.err(`No restore job of this console keeps a schema named ${schema}${to ? ` on ${to}` : ''} (shard-console restores lists them).`);
  io.err('Nothing was changed. Run again with --yes to drop it.');
  return made ? 0 : 1;
}

/** `restore discard JOB` without --yes: what it would drop for good, and nothing changed. */
function previewDiscard(io: CliIo, job: RestoreJob, json: boolean): number {
  const kept = job.schema
    ? `schema ${job.schema} on ${job.target}`
    : `${job.holding ?? 'the held rows'} on ${job.target} (website ${job.websiteId}'s rows from before the restore)`;
  if (json) io.out(JSON.stringify({ preview: true, changed: false, wouldDrop: job.actions.includes('discard') ? kept : null, job }, null, 2));
  else if (job.actions.includes('discard')) io.out(`Would drop ${kept}; the restore can no longer be rolled back after that.`);
  io.err(`Nothing was changed. Run again with --yes to discard${job.actions.includes('discard') ? '' : ' (the job offers no discard now)'}.`);
  return job.actions.includes('discard') ? 0 : 1;
}

/**
 * `restore rollback JOB --discard-changes` without --yes: it puts back the rows from before the
 * restore and loses what the website was written since; said, and nothing changed.
 */
function previewDiscardChanges(io: CliIo, job: RestoreJob, json: boolean): number {
  const can = job.actions.includes('rollback');
  const what = `roll back restore job ${job.jobId}: website ${job.websiteId}'s rows on ${job.target} go back to those from before the restore, and whatever was written to it since is lost`;
  if (json) io.out(JSON.stringify({ preview: true, changed: false, wouldRollBack: can ? what : null, job }, null, 2));
  else if (can) io.out(`Would ${what}.`);
  io.err(`Nothing was changed. Run again with --yes to roll back${can ? '' : ' (the job offers no rollback now)'}.`);
  return can ? 0 : 1;
}

async function jobAction(ctx: ConsoleContext, verb: string, invocation: CliInvocation): Promise<number> {
  const { positionals, options, io } = invocation;
  const json = options.json === true;
  if (verb === 'drop-schema') {
    const schema = positionals[1];
    if (schema === undefined) throw usageError('restore drop-schema needs the schema name.');
    const to = stringOption(options, 'to');
    if (!options.yes) return previewDropSchema(ctx, io, schema, to, json);
    const dropped = await callMethod(ctx, 'restores.dropSchema', { schema, ...(to !== undefined ? { database: to } : {}) });
    if (json) io.out(JSON.stringify(dropped, null, 2));
    else io.out(`dropped schema ${dropped.schema} (${dropped.tables} tables) on ${dropped.database}`);
    return 0;
  }
  const jobId = jobIdArgument(verb, positionals[1]);
  if (verb === 'discard') {
    if (!options.yes) return previewDiscard(io, await callMethod(ctx, 'restores.get', { jobId }), json);
    printJob(io, await callMethod(ctx, 'restores.discard', { jobId }), json);
    return 0;
  }
  if (verb === 'resume') {
    await callMethod(ctx, 'restores.resume', { jobId });
    return followAndPrint(ctx, io, jobId, json, 'succeeded');
  }
  if (options['discard-changes'] === true && !options.yes) return previewDiscardChanges(io, await callMethod(ctx, 'restores.get', { jobId }), json);
  await callMethod(ctx, 'restores.rollback', { jobId, ...(options['discard-changes'] === true ? { discardChanges: true } : {}) });
  return followAndPrint(ctx, io, jobId, json, 'rolled_back');
}

export const restoreCommand: CliCommand = {
  name: 'restore',
  usage: USAGE,
  summary:
    'restore one website from a backup, verified: --replace its rows (held aside until discarded), --into-schema NAME side by side, or into an empty place; without --yes print the plan and change nothing; exit 0 only when restored and verified',
  options: {
    from: { type: 'string' },
    archive: { type: 'string' },
    to: { type: 'string' },
    replace: { type: 'boolean' },
    'into-schema': { type: 'string' },
    'refresh-views': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    'discard-changes': { type: 'boolean' },
  },
  run: async (ctx, invocation) => {
    const verb = invocation.positionals[0];
    const isVerb = verb === 'resume' || verb === 'rollback' || verb === 'discard' || verb === 'drop-schema';
    // One more than it takes was ignored: `restore 42 43` restored 42 alone, `drop-schema a b` dropped a.
    const extra = invocation.positionals.slice(isVerb ? 2 : 1);
    if (extra.length) {
      const what = !isVerb ? 'restore takes one website id' : `restore ${verb} takes one ${verb === 'drop-schema' ? 'schema name' : 'job id'}`;
      throw usageError(`${what}, not also ${extra.map((a) => JSON.stringify(a.slice(0, 40))).join(' ')}.`);
    }
    if (isVerb) {
      // A job's verbs take none of a restore's own options (drop-schema its --to only).
      const restoreOnly = ['from', 'archive', 'replace', 'into-schema', 'refresh-views'];
      refuseOptions(invocation.options, verb === 'drop-schema' ? restoreOnly : [...restoreOnly, 'to'], `restore ${verb}`);
      if (verb !== 'rollback') refuseOptions(invocation.options, ['discard-changes'], `restore ${verb}`);
      return jobAction(ctx, verb, invocation);
    }
    refuseOptions(invocation.options, ['discard-changes'], 'restore');
    return restoreWebsite(ctx, invocation);
  },
};

export const restoresCommand: CliCommand = {
  name: 'restores',
  maxArguments: 0,
  usage: 'restores [--website ID] [--limit N]',
  summary: 'restore jobs, newest first, with the actions valid in each state',
  options: { website: { type: 'string' }, limit: { type: 'string' } },
  run: async (ctx, { options, io }) => {
    const websiteId = intOption(options.website, 'website', { min: 1, max: 2_147_483_647 });
    const { jobs } = await callMethod(ctx, 'restores.list', {
      limit: intOption(options.limit, 'limit', { min: 1, max: 500 }) ?? 50,
      ...(websiteId !== undefined ? { websiteId } : {}),
    });
    if (options.json) {
      io.out(JSON.stringify({ jobs }, null, 2));
      return 0;
    }
    if (jobs.length === 0) {
      io.out("No restore jobs recorded on this cluster's primary. Start one with: shard-console restore ID --from PATH.");
      return 0;
    }
    const rows = jobs.map((j) => [
      j.jobId,
      String(j.websiteId),
      j.mode,
      j.schema ? `${j.target}.${j.schema}` : j.target,
      j.state,
      j.step,
      j.verified ? 'yes' : 'no',
      j.actions.join(',') || '—',
      j.createdAt,
    ]);
    io.out(renderTable(['JOB', 'WEBSITE', 'MODE', 'INTO', 'STATE', 'STEP', 'VERIFIED', 'ACTIONS', 'CREATED'], rows));
    return 0;
  },
};
