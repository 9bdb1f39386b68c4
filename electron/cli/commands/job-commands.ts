import { ConsoleError } from '../../../shared/errors.ts';
import { jobKindSchema, type JobKind } from '../../../shared/methods/job-methods.ts';
import { callMethod } from '../call-method.ts';
import { intOption } from '../cli-args.ts';
import { stringOption, type CliCommand } from '../cli-command.ts';
import { renderTable } from '../cli-output.ts';

export const jobsCommand: CliCommand = {
  name: 'jobs',
  maxArguments: 0,
  usage: 'jobs [--kind move|migration|size-scan|backup|restore] [--limit N]',
  summary: 'every job recorded on the cluster (moves, migration runs, backups, restores), newest first, with its progress and the actions valid now',
  options: { kind: { type: 'string' }, limit: { type: 'string' } },
  run: async (ctx, { options, io }) => {
    const kind = stringOption(options, 'kind');
    if (kind !== undefined && !jobKindSchema.options.includes(kind as JobKind))
      throw new ConsoleError('INVALID_PARAMS', `--kind takes ${jobKindSchema.options.join(', ')}; got "${kind}".`);
    const result = await callMethod(ctx, 'jobs.list', {
      limit: intOption(options.limit, 'limit', { min: 1, max: 500 }) ?? 50,
      ...(kind ? { kind: kind as JobKind } : {}),
    });
    // Jobs some place could not be read for (the primary down): listed without them, said, and exit 1.
    const partial = result.unreadable.length > 0 ? 1 : 0;
    for (const info of result.unreadable) io.err(`Some jobs could not be read (${info.code}): ${info.message}`);
    if (options.json) {
      io.out(JSON.stringify(result, null, 2));
      return partial;
    }
    const progress = (j: (typeof result.jobs)[number]) =>
      j.progress?.total ? `${Math.round((j.progress.done / j.progress.total) * 100)}% ${j.progress.phase}` : '—';
    io.out(
      renderTable(
        ['JOB', 'KIND', 'STATE', 'PROGRESS', 'TITLE', 'STARTED BY', 'CREATED'],
        result.jobs.map((j) => [j.jobId, j.kind, j.state, progress(j), j.title, j.startedBy, j.createdAt]),
      ),
    );
    return partial;
  },
};
