import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { ConsoleContext } from '../console-context.ts';
import { databaseForShard, findWebsite } from '../tenants/website-routing.ts';
import type { GuardedStatement } from './sql-statement-guard.ts';
import type { QueryTarget } from './query-types.ts';

/** Where a statement goes and what it binds: the website id as $1 for a website target, nothing otherwise. */
export interface QueryPlan {
  readonly databases: readonly DatabaseTarget[];
  readonly values: readonly unknown[];
  /** For the audit log and messages: `all databases`, `shards`, `shard_1, shard_2`, `website 42 (shard_1)`. */
  readonly label: string;
}

/**
 * The databases of a target, checked before anything is sent: an unknown database or website is refused
 * naming what exists. A website routes the way PWB does (its shard_name on the primary, NULL = default).
 */
export async function resolveQueryTargets(ctx: ConsoleContext, target: QueryTarget, statement: GuardedStatement): Promise<QueryPlan> {
  assertParameters(target, statement);
  const configured = ctx.profile.databases;
  switch (target.kind) {
    case 'all':
      return { databases: configured, values: [], label: 'all databases' };
    case 'shards': {
      const shards = configured.filter((d) => d.role === 'shard');
      if (shards.length === 0)
        throw new ConsoleError('SHARD_UNKNOWN', `Profile ${ctx.profile.name} has no shards, only ${namesOf(configured)}. Run on all databases instead.`);
      return { databases: shards, values: [], label: 'shards' };
    }
    case 'databases':
      return chosenDatabases(ctx, target.names);
    case 'website': {
      const website = await findWebsite(ctx, target.id);
      const name = databaseForShard(ctx, website);
      return { databases: configured.filter((d) => d.name === name), values: statement.parameters ? [target.id] : [], label: `website ${target.id} (${name})` };
    }
  }
}

function chosenDatabases(ctx: ConsoleContext, names: readonly string[]): QueryPlan {
  const configured = ctx.profile.databases;
  if (names.length === 0) throw new ConsoleError('INVALID_PARAMS', `Choose at least one database to run on: ${namesOf(configured)}.`);
  const unknown = names.filter((n) => !configured.some((d) => d.name === n));
  if (unknown.length) {
    throw new ConsoleError(
      'SHARD_UNKNOWN',
      `No database named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in profile ${ctx.profile.name}. Configured: ${namesOf(configured)}.`,
      {
        target: unknown[0]!,
      },
    );
  }
  const chosen = configured.filter((d) => names.includes(d.name));
  return { databases: chosen, values: [], label: chosen.map((d) => d.name).join(', ') };
}

/** `$1` is the website id and nothing else: only a website target binds it, and no statement gets a `$2`. */
function assertParameters(target: QueryTarget, statement: GuardedStatement): void {
  if (target.kind === 'website' && (!Number.isSafeInteger(target.id) || target.id < 1)) {
    throw new ConsoleError('INVALID_PARAMS', `A website id is a positive whole number, not ${JSON.stringify(target.id)}. Find the id in the tenant list.`);
  }
  if (statement.parameters > 1) {
    throw new ConsoleError(
      'INVALID_PARAMS',
      `The statement uses $${statement.parameters}, but only $1 exists (the website id, when the run targets one website). Write the other values into the statement.`,
    );
  }
  if (statement.parameters === 1 && target.kind !== 'website') {
    throw new ConsoleError(
      'INVALID_PARAMS',
      'The statement uses $1, the website id, which only a run on one website binds. Choose a website as the target, or write the id into the statement.',
    );
  }
}

function namesOf(databases: readonly DatabaseTarget[]): string {
  return databases.map((d) => d.name).join(', ');
}
