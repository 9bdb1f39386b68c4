import type { MoveJob, PreflightResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { jobIdSchema, viewRefreshSchema, type ViewRefresh } from '../../../shared/methods/move-methods.ts';
import { formatBytes, formatCount } from '../../../shared/format.ts';
import type { ConsoleContext } from '../../core/console-context.ts';
import { callMethod } from '../call-method.ts';
import { intOption, refuseOptions, websiteIdArgument } from '../cli-args.ts';
import { stringOption, type CliCommand, type CliInvocation } from '../cli-command.ts';
import type { CliIo } from '../cli-output.ts';
import { renderTable } from '../cli-output.ts';
import { followJob, STOPPED_EXIT } from '../follow-job.ts';

/*
 * Moves from the command line, through the same contract methods the console's pages call: a move
 * starts as a job of this process (moves.start), its progress is followed as events (jobs.watch), and
 * the result printed with --json is the move job exactly as the UI receives it (moves.get).
 */

function printJob(io: CliIo, job: MoveJob, json: boolean): void {
  if (json) {
    io.out(JSON.stringify(job, null, 2));
    return;
  }
  const interrupted = job.state === 'running' && !job.live;
  io.out(`job ${job.jobId}: ${interrupted ? 'interrupted' : job.state} at step ${job.step}${job.verified ? ', verified' : ''}`);
  if (job.verification.length) {
    const rows = job.verification.map((v) => [v.table, formatCount(v.sourceRows), formatCount(v.targetRows), v.ok ? 'yes' : 'NO']);
    io.out(renderTable(['TABLE', 'SOURCE ROWS', 'TARGET ROWS', 'MATCH'], rows, [1, 2]));
  }
  if (job.error) io.err(job.error);
  if (job.actions.length) io.err(`Next: ${job.actions.map((a) => `shard-console move ${a} ${job.jobId}`).join(', or ')}`);
}

/** Follows a move running in this process to its end, prints it; 0 only when it succeeded and verified. */
async function finishMove(ctx: ConsoleContext, io: CliIo, jobId: string, json: boolean): Promise<number> {
  const ended = await followJob(ctx, io, jobId);
  const job = await callMethod(ctx, 'moves.get', { jobId });
  printJob(io, job, json);
  if (ended.state === 'interrupted') return STOPPED_EXIT;
  return job.state === 'succeeded' && job.verified ? 0 : 1;
}

/** The JOB of `move resume|rollback|cancel JOB`, checked as the contract checks it: a uuid. */
function jobIdArgument(verb: string, value: string | undefined): string {
  if (value === undefined) throw new ConsoleError('INVALID_PARAMS', `Usage: shard-console move ${verb} JOB (job ids are listed by shard-console moves).`);
  if (!jobIdSchema.safeParse(value).success) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `A job id is a uuid like 3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f; got ${JSON.stringify(value.slice(0, 80))}. List the jobs and their ids with: shard-console moves.`,
    );
  }
  return value;
}

function printPlan(io: CliIo, id: number, preview: PreflightResult): void {
  if (!preview.ok || !preview.plan) {
    for (const r of preview.refusals) io.err(`refused [${r.code}]${r.table ? ` ${r.table}` : ''}: ${r.message}`);
    return;
  }
  const plan = preview.plan;
  io.out(`Plan: move website ${id} from ${plan.source} to ${plan.target}: ${formatCount(plan.totalRows)} rows, ${formatBytes(plan.totalBytes)}`);
  io.out(
    renderTable(
      ['LEVEL', 'TABLE', 'ROWS', 'BYTES'],
      plan.tables.map((t) => [String(t.level), t.table, formatCount(t.rows), formatBytes(t.bytes)]),
      [0, 2, 3],
    ),
  );
  io.out(
    plan.materializedViews.length
      ? `Materialized views refreshed on both databases (${plan.viewRefresh === 'rebuild' ? 'rebuilt: their readers wait while each rebuilds' : 'concurrently: readers never wait'}): ${plan.materializedViews.join(', ')}`
      : 'Materialized views: none',
  );
  io.out('Nothing was changed. Run again with --yes to move.');
}

async function moveWebsite(ctx: ConsoleContext, { positionals, options, io }: CliInvocation): Promise<number> {
  const id = websiteIdArgument(positionals[0]);
  const target = stringOption(options, 'to');
  if (id === undefined || !target)
    throw new ConsoleError('INVALID_PARAMS', 'Usage: shard-console move ID --to SHARD [--yes]. Without --yes it only prints the plan.');
  const refresh = stringOption(options, 'refresh-views');
  if (refresh !== undefined && !viewRefreshSchema.options.includes(refresh as ViewRefresh)) {
    throw new ConsoleError('INVALID_PARAMS', `--refresh-views takes ${viewRefreshSchema.options.join(' or ')}, not "${refresh}".`);
  }
  const source = stringOption(options, 'from');
  const params = { websiteId: id, target, ...(source ? { source } : {}), ...(refresh ? { viewRefresh: refresh as ViewRefresh } : {}) };
  if (!options.yes) {
    const preview = await callMethod(ctx, 'moves.preflight', params);
    if (options.json) io.out(JSON.stringify(preview, null, 2));
    else printPlan(io, id, preview);
    return preview.ok ? 0 : 1;
  }
  const job = await callMethod(ctx, 'moves.start', params);
  io.err(`move job ${job.jobId}: website ${id} from ${job.source} to ${job.target}`);
  return finishMove(ctx, io, job.jobId, options.json === true);
}

async function jobAction(
  ctx: ConsoleContext,
  verb: 'resume' | 'rollback' | 'cancel',
  given: string | undefined,
  { options, io }: CliInvocation,
): Promise<number> {
  const jobId = jobIdArgument(verb, given);
  refuseOptions(options, ['to', 'from', 'refresh-views'], `move ${verb}`);
  const json = options.json === true;
  if (verb === 'cancel') {
    printJob(io, await callMethod(ctx, 'moves.cancel', { jobId }), json);
    return 0;
  }
  if (verb === 'resume') {
    await callMethod(ctx, 'moves.resume', { jobId });
    return finishMove(ctx, io, jobId, json);
  }
  await callMethod(ctx, 'moves.rollback', { jobId });
  const ended = await followJob(ctx, io, jobId);
  const job = await callMethod(ctx, 'moves.get', { jobId });
  printJob(io, job, json);
  if (!json && job.rollbackJobId)
    io.out(
      job.state === 'rolled_back'
        ? `moved back by job ${job.rollbackJobId}`
        : `moving back by job ${job.rollbackJobId} did not finish: see where that job stopped (shard-console moves), and resume it (move resume ${job.rollbackJobId}) once its cause is fixed.`,
    );
  if (ended.state === 'interrupted') return STOPPED_EXIT;
  return job.state === 'rolled_back' ? 0 : 1;
}

export const moveCommand: CliCommand = {
  name: 'move',
  usage: 'move ID --to SHARD [--from SHARD] [--refresh-views concurrently|rebuild] [--yes] | move resume JOB | move rollback JOB | move cancel JOB',
  summary:
    'move a website to another database with verification; without --yes print the plan and change nothing; Ctrl-C stops it resumably; exit 0 only when moved and verified',
  options: { to: { type: 'string' }, from: { type: 'string' }, 'refresh-views': { type: 'string' }, yes: { type: 'boolean', short: 'y' } },
  run: async (ctx, invocation) => {
    const [verb, given] = invocation.positionals;
    const jobVerb = verb === 'cancel' || verb === 'resume' || verb === 'rollback';
    // One website per move: `move 42 43` would move 42 alone and say nothing of 43.
    if (invocation.positionals.length > (jobVerb ? 2 : 1))
      throw new ConsoleError(
        'INVALID_PARAMS',
        `move takes one website (or one job after ${jobVerb ? verb : 'resume, rollback or cancel'}), not ${invocation.positionals.join(' ')}. Usage: shard-console ${moveCommand.usage}`,
      );
    if (jobVerb) return jobAction(ctx, verb, given, invocation);
    return moveWebsite(ctx, invocation);
  },
};

export const movesCommand: CliCommand = {
  name: 'moves',
  maxArguments: 0,
  usage: 'moves [--limit N]',
  summary: 'move jobs, newest first, with the actions valid in each state',
  options: { limit: { type: 'string' } },
  run: async (ctx, { options, io }) => {
    const { jobs } = await callMethod(ctx, 'moves.list', { limit: intOption(options.limit, 'limit', { min: 1, max: 500 }) ?? 50 });
    if (options.json) {
      io.out(JSON.stringify({ jobs }, null, 2));
      return 0;
    }
    if (jobs.length === 0) {
      io.out("No move jobs recorded on this cluster's primary. Start one with: shard-console move ID --to SHARD.");
      return 0;
    }
    const rows = jobs.map((j) => [
      j.jobId,
      String(j.websiteId),
      j.source,
      j.target,
      j.live ? 'running (live)' : j.state === 'running' ? 'interrupted' : j.state,
      j.step,
      j.verified ? 'yes' : 'no',
      j.actions.join(',') || '—',
      j.createdAt,
    ]);
    io.out(renderTable(['JOB', 'WEBSITE', 'FROM', 'TO', 'STATE', 'STEP', 'VERIFIED', 'ACTIONS', 'CREATED'], rows));
    return 0;
  },
};

export const verifyCommand: CliCommand = {
  name: 'verify',
  maxArguments: 1,
  usage: 'verify ID',
  summary: "check that a website's rows are all on its shard and nowhere else; exit 1 when rows are misplaced",
  run: async (ctx, { positionals, options, io }) => {
    const id = websiteIdArgument(positionals[0]);
    if (id === undefined) throw new ConsoleError('INVALID_PARAMS', 'Usage: shard-console verify ID');
    const result = await callMethod(ctx, 'moves.verifyPlacement', { websiteId: id });
    if (options.json) io.out(JSON.stringify(result, null, 2));
    else if (result.ok) io.out(`website ${id}: every row is on ${result.shard} and nowhere else`);
    else
      io.out(
        renderTable(
          ['DATABASE', 'TABLE', 'ROWS'],
          result.misplaced.map((m) => [m.database, m.table, formatCount(m.rows)]),
          [2],
        ),
      );
    return result.ok ? 0 : 1;
  },
};
