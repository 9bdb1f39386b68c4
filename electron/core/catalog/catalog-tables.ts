import type { MethodResult } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import type { ConsoleContext } from '../console-context.ts';

/** The catalog as the UI and CLI see it: per database, every table with its kind and FK path to the tenant key. */
export async function catalogTables(ctx: ConsoleContext, database: string | undefined): Promise<MethodResult<'catalog.tables'>> {
  const names = database ? [ctx.pools.get(database).target.name] : ctx.pools.targets.map((t) => t.name);
  const databases = await Promise.all(
    names.map(async (name) => {
      try {
        const catalog = await ctx.catalog.get(name);
        const tables = [...catalog.tables.values()].map((table) => {
          const tenant = catalog.tenantTables.get(table.name);
          const kind = tenant ? ('tenant' as const) : catalog.globalTables.includes(table.name) ? ('global' as const) : ('unscoped' as const);
          return {
            table: table.name,
            kind,
            tenantKey: tenant?.tenantKey ?? null,
            path: tenant ? [table.name, ...tenant.chain.map((s) => s.refTable)] : [],
            primaryKey: [...table.primaryKey],
            columns: table.columns.map((c) => ({ name: c.name, type: c.type })),
          };
        });
        return { name, tables: tables.sort((a, b) => a.table.localeCompare(b.table)), error: null };
      } catch (error) {
        const info = error instanceof ConsoleError ? error.toInfo() : { code: 'INTERNAL' as const, message: String(error) };
        return { name, tables: [], error: info };
      }
    }),
  );
  return { databases };
}
