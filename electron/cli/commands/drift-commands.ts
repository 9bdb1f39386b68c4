import { setAsideSummary } from '../../../shared/set-aside-summary.ts';
import { callMethod } from '../call-method.ts';
import type { CliCommand } from '../cli-command.ts';

export const driftCommand: CliCommand = {
  name: 'drift',
  maxArguments: 0,
  usage: 'drift',
  summary: 'tenant-schema differences between the primary and each shard, with the SQL to fix each (never applied); exit 1 when there is drift',
  run: async (ctx, { options, io }) => {
    const result = await callMethod(ctx, 'schema.drift', {});
    const unreadable = result.databases.filter((d) => d.error);
    const code = result.drift.length > 0 || unreadable.length > 0 ? 1 : 0;
    if (options.json) {
      io.out(JSON.stringify(result, null, 2));
      return code;
    }
    if (result.drift.length === 0 && unreadable.length === 0) io.out(`No drift: every shard's tenant schema matches the primary (${result.reference}).`);
    else if (result.drift.length === 0)
      io.out(
        `No drift on the databases read; ${unreadable.map((d) => d.name).join(', ')} could not be read, so ${unreadable.length === 1 ? 'its schema is' : 'their schemas are'} unchecked (reasons below).`,
      );
    const setAside = setAsideSummary(result.setAside);
    if (setAside) io.out(setAside);
    let heading = '';
    for (const item of result.drift) {
      const next = `== ${item.database} · ${item.table}`;
      if (next !== heading) io.out(`\n${(heading = next)}`);
      io.out(`  ${item.kind}: ${item.detail}\n${item.fix.replace(/^/gm, '    ')}`);
    }
    for (const d of unreadable) io.err(`${d.name}: ${d.error!.message}`);
    return code;
  },
};

export const lintCommand: CliCommand = {
  name: 'lint',
  maxArguments: 0,
  usage: 'lint',
  summary: 'tenant-isolation lint: tenant tables without a tenant index or primary key, unique indexes without the tenant key, nullable tenant keys',
  run: async (ctx, { options, io }) => {
    const result = await callMethod(ctx, 'schema.lint', {});
    const code = result.findings.some((f) => f.severity !== 'info') || result.databases.some((d) => d.error) ? 1 : 0;
    if (options.json) {
      io.out(JSON.stringify(result, null, 2));
      return code;
    }
    for (const f of result.findings)
      io.out(`${f.table} [${f.rule}${f.severity === 'info' ? ', info' : ''}] on ${f.databases.join(', ')}: ${f.detail}\n${f.fix.replace(/^/gm, '    ')}`);
    const infos = result.findings.filter((f) => f.severity === 'info').length;
    io.out(`${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}${infos ? ` (${infos} for information)` : ''}.`);
    for (const d of result.databases) if (d.error) io.err(`${d.name}: ${d.error.message}`);
    return code;
  },
};
