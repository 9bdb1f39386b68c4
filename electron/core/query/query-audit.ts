import { redactSecrets } from '../log/redact-secrets.ts';
import type { QueryDatabaseOutcome, QueryTarget } from './query-types.ts';

/** The statement text kept in the audit log: enough to recognise it, never megabytes. */
const AUDIT_SQL_CHARS = 10_000;

export interface QueryAuditEntry {
  readonly action: 'query.run' | 'query.fetchMore' | 'query.explain' | 'query.export';
  readonly target: string;
  readonly details: {
    readonly sql: string;
    readonly sqlTruncated: boolean;
    /** Whether a secret was cut out of the statement (a dblink connection string's password, a role's PASSWORD '...'). */
    readonly sqlRedacted: boolean;
    readonly target: QueryTarget;
    readonly limit?: number;
    readonly timeoutSeconds?: number;
    readonly analyze?: boolean;
    readonly file?: string;
    readonly databases: readonly Pick<QueryDatabaseOutcome, 'name' | 'rows' | 'truncated' | 'ms' | 'error'>[];
  };
}

/**
 * What the audit log records of a query-console call: who ran which statement where, and per database
 * rows, time and error. Never a result row: results may hold what the audit log's readers must not see.
 * Nor a secret: the profile's passwords, and anything shaped like one, are cut out of the statement as
 * the log cuts them (the audit table is read by more people than the one who typed the statement).
 * `label`: the plan's label (`all databases`, `website 42 (shard_1)`).
 */
export function queryAuditEntry(
  action: QueryAuditEntry['action'],
  request: { sql: string; target: QueryTarget; limit?: number; timeoutSeconds?: number; analyze?: boolean; file?: string },
  label: string,
  databases: readonly QueryDatabaseOutcome[],
  secrets: readonly string[] = [],
): QueryAuditEntry {
  const { sql, target, ...rest } = request;
  // Redacted whole, then cut: a secret across the cut would be missed by both the split and the patterns.
  const whole = redactSecrets(sql, secrets);
  const redacted = whole.slice(0, AUDIT_SQL_CHARS);
  return {
    action,
    target: label,
    details: {
      sql: redacted,
      sqlTruncated: whole.length > AUDIT_SQL_CHARS,
      sqlRedacted: whole !== sql,
      target,
      ...rest,
      databases: auditedDatabases(databases, secrets),
    },
  };
}

/**
 * What the audit log keeps of each database's outcome: rows, time and error, never a row. The error's
 * text goes through the same redaction as the statement: PostgreSQL quotes the values it refused
 * (`invalid input syntax for type integer: "<a password>"`), the guard the statement's start.
 */
export function auditedDatabases(databases: readonly QueryDatabaseOutcome[], secrets: readonly string[] = []): QueryAuditEntry['details']['databases'] {
  return databases.map(({ name, rows, truncated, ms, error }) => ({
    name,
    rows,
    truncated,
    ms,
    error: error && { ...error, message: redactSecrets(error.message, secrets) },
  }));
}
