import { ConsoleError } from '../../../shared/errors.ts';
import { jobIdSchema, viewRefreshSchema, type ViewRefresh } from '../../../shared/methods/move-methods.ts';
import { formatBytes, formatCount, formatDuration } from '../../../shared/format.ts';
import type { ConsoleContext } from '../../core/console-context.ts';
import { getJob, toMoveJob, type StoredJob } from '../../core/moves/move-job-store.ts';
import type { MoveListener } from '../../core/moves/move-runner.ts';
import { cancelMove, createMove, moveJobsView, previewMove, rollbackMove, runMove, verifyPlacement } from '../../core/moves/move-service.ts';
import { intOption } from '../cli-args.ts';
import { stringOption, type CliCommand, type CliInvocation } from '../cli-command.ts';
import type { CliIo } from '../cli-output.ts';
import { renderTable } from '../cli-output.ts';

/** Step lines and a throttled per-table progress line with rows/s, on stderr so --json stdout stays clean. */
function progressPrinter(io: CliIo): MoveListener {
  const started = Date.now();
  let last = 0;
  return (event) => {
    if (!event.progress) {
      io.err(event.message ? `  ${event.message}` : `[${formatDuration(Date.now() - started)}] ${event.step}`);
      return;
    }
    const p = event.progress;
    const now = Date.now();
    if (!p.done && now - last < 1000) return;
    last = now;
    const pct = p.totalRows > 0 ? Math.min(100, Math.round((p.copiedRows / p.totalRows) * 100)) : 100;
    io.err(`  copy ${p.table}: ${formatCount(p.copiedRows)}/${formatCount(p.totalRows)} rows (${pct}%)${p.done ? ' done' : ''}`);
  };
}

function jobReport(job: StoredJob) {
  const view = toMoveJob(job, false);
  return {
    jobId: view.jobId,
    state: view.state,
    step: view.step,
    verified: view.verified,
    source: view.source,
    target: view.target,
    error: view.error,
    tables: view.verification.map((v) => ({ table: v.table, sourceRows: v.sourceRows, targetRows: v.targetRows, sourceHash: v.sourceHash, targetHash: v.targetHash })),
    timings: view.timings,
  };
}

async function finish(ctx: ConsoleContext, io: CliIo, json: boolean, jobId: string, run: () => Promise<unknown>): Promise<number> {
  let failure: unknown = null;
  try {
    await run();
  } catch (error) {
    failure = error;
  }
  const job = await getJob(ctx.pools.primary(), jobId);
  const report = jobReport(job);
  if (json) io.out(JSON.stringify(report, null, 2));
  else {
    io.out(`job ${job.id}: ${job.state} at step ${job.step}${report.verified ? ', verified' : ''}`);
    if (report.tables.length) io.out(renderTable(['TABLE', 'SOURCE ROWS', 'TARGET ROWS', 'MATCH'], report.tables.map((t) => [t.table, formatCount(t.sourceRows), formatCount(t.targetRows), t.sourceHash === t.targetHash && t.sourceRows === t.targetRows ? 'yes' : 'NO']), [1, 2]));
  }
  if (failure) {
    const message = failure instanceof ConsoleError ? `error [${failure.code}]: ${failure.message}` : String(failure);
    io.err(message);
  }
  return !failure && job.state === 'succeeded' && report.verified ? 0 : 1;
}

/** The JOB of `move resume|rollback|cancel JOB`, checked as the contract checks it: a uuid. */
function jobIdArgument(verb: string, value: string | undefined): string {
  if (value === undefined) throw new ConsoleError('INVALID_PARAMS', `Usage: shard-console move ${verb} JOB (job ids are listed by shard-console moves).`);
  if (!jobIdSchema.safeParse(value).success) {
    throw new ConsoleError('INVALID_PARAMS', `A job id is a uuid like 3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f; got ${JSON.stringify(value.slice(0, 80))}. List the jobs and their ids with: shard-console moves.`);
  }
  return value;
}

async function moveWebsite(ctx: ConsoleContext, { positionals, options, io }: CliInvocation): Promise<number> {
  const id = intOption(positionals[0], 'id (the website id)', { min: 1, max: 2_147_483_647 });
  const target = stringOption(options, 'to');
  if (id === undefined || !target) throw new ConsoleError('INVALID_PARAMS', 'Usage: shard-console move ID --to SHARD [--yes]. Without --yes it only prints the plan.');
  const refresh = stringOption(options, 'refresh-views');
  if (refresh !== undefined && !viewRefreshSchema.options.includes(refresh as ViewRefresh)) {
    throw new ConsoleError('INVALID_PARAMS', `--refresh-views takes ${viewRefreshSchema.options.join(' or ')}, not "${refresh}".`);
  }
  const moveOptions = { source: stringOption(options, 'from'), viewRefresh: refresh as ViewRefresh | undefined };
  if (!options.yes) {
    const preview = await previewMove(ctx, id, target, moveOptions);
    if (options.json) io.out(JSON.stringify(preview, null, 2));
    else if (preview.ok && preview.plan) {
      const plan = preview.plan;
      io.out(`Plan: move website ${id} from ${plan.source} to ${plan.target}: ${formatCount(plan.totalRows)} rows, ${formatBytes(plan.totalBytes)}`);
      io.out(renderTable(['LEVEL', 'TABLE', 'ROWS', 'BYTES'], plan.tables.map((t) => [String(t.level), t.table, formatCount(t.rows), formatBytes(t.bytes)]), [0, 2, 3]));
      io.out(
        plan.materializedViews.length
          ? `Materialized views refreshed on both databases (${plan.viewRefresh === 'rebuild' ? 'rebuilt: their readers wait while each rebuilds' : 'concurrently: readers never wait'}): ${plan.materializedViews.join(', ')}`
          : 'Materialized views: none',
      );
      io.out('Nothing was changed. Run again with --yes to move.');
    } else {
      for (const r of preview.refusals) io.err(`refused [${r.code}]${r.table ? ` ${r.table}` : ''}: ${r.message}`);
    }
    return preview.ok ? 0 : 1;
  }
  const job = await createMove(ctx, id, target, moveOptions);
  io.err(`move job ${job.id}: website ${id} from ${job.source} to ${job.target}`);
  return finish(ctx, io, options.json === true, job.id, () => runMove(ctx, job.id, progressPrinter(io)));
}

export const moveCommand: CliCommand = {
  name: 'move',
  usage: 'move ID --to SHARD [--from SHARD] [--refresh-views concurrently|rebuild] [--yes] | move resume JOB | move rollback JOB | move cancel JOB',
  summary: 'move a website to another database with verification; without --yes print the plan and change nothing; exit 0 only when moved and verified',
  options: { to: { type: 'string' }, from: { type: 'string' }, 'refresh-views': { type: 'string' }, yes: { type: 'boolean', short: 'y' } },
  run: async (ctx, invocation) => {
    const [verb, given] = invocation.positionals;
    if (verb === 'cancel') {
      const job = await cancelMove(ctx, jobIdArgument(verb, given));
      invocation.io.out(invocation.options.json ? JSON.stringify(jobReport(job), null, 2) : `job ${job.id}: ${job.state}`);
      return 0;
    }
    if (verb === 'resume' || verb === 'rollback') {
      const jobId = jobIdArgument(verb, given);
      const json = invocation.options.json === true;
      if (verb === 'resume') return finish(ctx, invocation.io, json, jobId, () => runMove(ctx, jobId, progressPrinter(invocation.io)));
      let failure: unknown = null;
      await rollbackMove(ctx, jobId, progressPrinter(invocation.io)).catch((e) => (failure = e));
      const job = await getJob(ctx.pools.primary(), jobId);
      if (json) invocation.io.out(JSON.stringify(jobReport(job), null, 2));
      else invocation.io.out(`job ${job.id}: ${job.state}${job.rollback_job ? ` (moved back by job ${job.rollback_job})` : ''}`);
      if (failure) throw failure;
      return job.state === 'rolled_back' ? 0 : 1;
    }
    return moveWebsite(ctx, invocation);
  },
};

export const movesCommand: CliCommand = {
  name: 'moves',
  usage: 'moves [--limit N]',
  summary: 'move jobs, newest first, with the actions valid in each state',
  options: { limit: { type: 'string' } },
  run: async (ctx, { options, io }) => {
    const jobs = await moveJobsView(ctx, { limit: intOption(options.limit, 'limit', { min: 1, max: 500 }) ?? 50 });
    if (options.json) {
      io.out(JSON.stringify({ jobs }, null, 2));
      return 0;
    }
    if (jobs.length === 0) {
      io.out('No move jobs recorded on this cluster\'s primary. Start one with: shard-console move ID --to SHARD.');
      return 0;
    }
    io.out(
      renderTable(
        ['JOB', 'WEBSITE', 'FROM', 'TO', 'STATE', 'STEP', 'VERIFIED', 'ACTIONS', 'CREATED'],
        jobs.map((j) => [j.jobId, String(j.websiteId), j.source, j.target, j.live ? 'running (live)' : j.state, j.step, j.verified ? 'yes' : 'no', j.actions.join(',') || '—', j.createdAt]),
      ),
    );
    return 0;
  },
};

export const verifyCommand: CliCommand = {
  name: 'verify',
  usage: 'verify ID',
  summary: "check that a website's rows are all on its shard and nowhere else; exit 1 when rows are misplaced",
  run: async (ctx, { positionals, options, io }) => {
    const id = intOption(positionals[0], 'id (the website id)', { min: 1, max: 2_147_483_647 });
    if (id === undefined) throw new ConsoleError('INVALID_PARAMS', 'Usage: shard-console verify ID');
    const result = await verifyPlacement(ctx, id);
    if (options.json) io.out(JSON.stringify(result, null, 2));
    else if (result.ok) io.out(`website ${id}: every row is on ${result.shard} and nowhere else`);
    else io.out(renderTable(['DATABASE', 'TABLE', 'ROWS'], result.misplaced.map((m) => [m.database, m.table, formatCount(m.rows)]), [2]));
    return result.ok ? 0 : 1;
  },
};
