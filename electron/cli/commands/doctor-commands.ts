import { formatCount } from '../../../shared/format.ts';
import { callMethod } from '../call-method.ts';
import type { CliCommand } from '../cli-command.ts';

export const doctorCommand: CliCommand = {
  name: 'doctor',
  maxArguments: 0,
  usage: 'doctor',
  summary:
    'check routing and placement on every database (misplaced, orphaned rows, unknown shard names, id overlaps, stale views, versions); changes nothing; exit 1 on any error, or when a check could not run in full',
  run: async (ctx, { options, io }) => {
    const result = await callMethod(ctx, 'doctor.run', {});
    const errors = result.findings.filter((f) => f.severity === 'error').length;
    // Nothing found by a check that did not run in full is no clean bill (as the app says "not fully checked").
    const failed = errors > 0 || result.checks.some((c) => c.status !== 'ran') ? 1 : 0;
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            checkedAt: result.checkedAt,
            findings: result.findings.map((f) => ({
              kind: f.kind,
              severity: f.severity,
              database: f.database,
              table: f.table,
              website: f.website,
              rows: f.rows,
              message: f.message,
              fix: f.fix,
              link: f.link?.href ?? null,
            })),
            checks: result.checks,
          },
          null,
          2,
        ),
      );
      return failed;
    }
    for (const f of result.findings) {
      io.out(
        `${f.severity.toUpperCase()} ${f.kind}${f.database ? ` [${f.database}]` : ''}${f.website !== null ? ` website ${f.website}` : ''}${f.rows !== null ? ` (${formatCount(f.rows)} rows)` : ''}`,
      );
      io.out(`  ${f.message}`);
      io.out(`  fix: ${f.fix}${f.link ? ` (console: ${f.link.href})` : ''}`);
    }
    for (const c of result.checks.filter((c) => c.status !== 'ran')) io.err(`${c.check}: ${c.status}${c.note ? ` — ${c.note}` : ''}`);
    const warnings = result.findings.filter((f) => f.severity === 'warning').length;
    io.out(
      `${errors} error(s), ${warnings} warning(s), ${result.findings.length - errors - warnings} note(s) in ${(result.durationMs / 1000).toFixed(1)} s. The doctor changed nothing.`,
    );
    return failed;
  },
};
