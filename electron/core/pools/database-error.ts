import { ConsoleError } from '../../../shared/errors.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';

/** admin_shutdown (also pg_terminate_backend), crash_shutdown, cannot_connect_now (starting up or shutting down). */
const shutdownCodes = new Set(['57P01', '57P02', '57P03']);
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']);

function describe(target: DatabaseTarget): string {
  return `${target.name} (${target.host}:${target.port}/${target.database})`;
}

/** query_canceled by the session's statement_timeout (not by a user's cancel, which shares the code). */
export function isStatementTimeout(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  return err.code === '57014' && /statement timeout/.test(err.message ?? '');
}

/** Node's codes for a server certificate it did not accept (untrusted, expired, for another name). */
const CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(?:VERIFY|GET)/;

/**
 * A TLS failure, told as the profile's TLS settings (its ssl mode, its CA) against the server's: not
 * as a server that is down, nor as a wrong password. Null when the error is not about TLS.
 */
function tlsError(target: DatabaseTarget, code: string, message: string, cause: unknown): ConsoleError | null {
  const options = { target: target.name, cause };
  if (/does not support SSL/i.test(message)) {
    const text = `${describe(target)} does not accept TLS connections, and ${target.origin} asks for TLS (its ssl mode). Turn TLS on at the server, or, only on a network you trust, set ssl to "disable" (or "prefer") for it.`;
    return new ConsoleError('CONFIG_INVALID', text, options);
  }
  if (CERTIFICATE_CODE.test(code)) {
    const text = `${describe(target)}'s TLS certificate was not accepted (${message}): it is not signed by the CA ${target.origin} trusts (its sslRootCert), has expired, or names another host. Point sslRootCert at the CA that signed the server's certificate, or connect by the name the certificate carries; do not turn verification off to get past it.`;
    return new ConsoleError('CONFIG_INVALID', text, options);
  }
  if (code === '28000' && /no encryption/i.test(message)) {
    // PostgreSQL says "no encryption" of every plain connection pg_hba.conf has no line for: TLS may be
    // what it wants (a hostssl line), or this host or user may not be let in at all.
    // The user is the message's own (the query console connects as its own role, not the target's).
    const text = `${describe(target)} has no pg_hba.conf line for this connection without TLS (${message}). If the server takes that user only over TLS, set ssl to "require" or stronger for ${target.origin}; otherwise its administrator must let this host and user in.`;
    return new ConsoleError('AUTH_FAILED', text, options);
  }
  return null;
}

/** A database that is not there, or a privilege the role lacks: said with what to change. Null for other errors. */
function refusedError(target: DatabaseTarget, code: string, message: string, error: unknown): ConsoleError | null {
  if (code === '42501') {
    // Not naming the role: the query console connects as its own (queryRole), and the fix depends on
    // what was refused (a read-only role refused a write is as it should be).
    return new ConsoleError('DATABASE_ERROR', `${describe(target)} refused: ${message} (SQLSTATE 42501): the role lacks that privilege there.`, {
      target: target.name,
      cause: error,
    });
  }
  if (code === '3D000') {
    return new ConsoleError(
      'DATABASE_UNREACHABLE',
      `Database "${target.database}" does not exist on ${target.host}:${target.port} (${target.name}). Check the database name in ${target.origin}.`,
      { target: target.name, cause: error },
    );
  }
  return null;
}

/**
 * Turns a driver error into a ConsoleError that names the database and says what to check.
 * `lockHolders` (for a statement timeout): the sessions holding tables of the database exclusively,
 * `: pid ...`, or '' when none.
 */
export function databaseError(target: DatabaseTarget, error: unknown, context: { lockHolders?: string } = {}): ConsoleError {
  if (error instanceof ConsoleError) return error;
  const err = error as { code?: string; message?: string };
  const code = err.code ?? '';
  const message = err.message ?? String(error);
  if (isStatementTimeout(error)) {
    const why = context.lockHolders
      ? `It was most likely waiting for a lock: sessions holding tables there exclusively${context.lockHolders}. Let them finish, or end them (SELECT pg_terminate_backend(pid)), then retry.`
      : 'Retry; if the database is large or busy, raise pool.statementTimeoutMs in the profile.';
    return new ConsoleError('DATABASE_ERROR', `${describe(target)} did not answer within the profile's statement timeout (${message}). ${why}`, {
      target: target.name,
      cause: error,
    });
  }
  // The server asked for a password and the profile gives none: pg says so in its own words.
  if (/password must be a string|no password (was )?(supplied|provided)/i.test(message)) {
    return new ConsoleError(
      'AUTH_FAILED',
      `${describe(target)} asks user "${target.user}" for a password, and ${target.origin} gives none. Give one: a "password" (a \${VAR} reference in a profile file, or the app's profile form, which keeps it in the OS keychain), or the password in the URL as a \${VAR} reference.`,
      { target: target.name, cause: error },
    );
  }
  const tls = tlsError(target, code, message, error);
  if (tls) return tls;
  if (code === '28P01' || code === '28000') {
    return new ConsoleError(
      'AUTH_FAILED',
      `Authentication failed for user "${target.user}" on ${describe(target)}: ${message}. Check the user and password for ${target.origin}.`,
      { target: target.name, cause: error },
    );
  }
  const refused = refusedError(target, code, message, error);
  if (refused) return refused;
  if (shutdownCodes.has(code)) {
    return new ConsoleError(
      'DATABASE_UNREACHABLE',
      `${describe(target)} ended the connection: ${message}. The server is shutting down, restarting or starting up, or an administrator terminated the session; retry when it accepts connections again.`,
      { target: target.name, cause: error },
    );
  }
  if (unreachableCodes.has(code) || (/timeout|terminated|Connection terminated|connect/i.test(message) && !/^[0-9A-Z]{5}$/.test(code))) {
    return new ConsoleError(
      'DATABASE_UNREACHABLE',
      `${describe(target)} is unreachable: ${message}. Check that the server is running and that ${target.origin} names the right host and port.`,
      { target: target.name, cause: error },
    );
  }
  // (A message of the console's own ends with its full stop already.)
  const said = message.replace(/\.$/, '');
  return new ConsoleError('DATABASE_ERROR', `${describe(target)} answered with an error: ${said}${code ? ` (SQLSTATE ${code})` : ''}.`, {
    target: target.name,
    cause: error,
  });
}
