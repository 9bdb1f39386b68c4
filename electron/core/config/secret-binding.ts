import { ConsoleError } from '../../../shared/errors.ts';
import { canonicalHost } from './canonical-host.ts';

/*
 * A password the console stores is bound to the servers it was typed for: `user@host:port`, the host
 * in its canonical spelling. A profile edited to point a stored password at another server (by hand,
 * or by a compromised window through the profile form) is refused before anything connects: a server
 * may ask for the password in clear, and the console would send it. The keychain entry holds the
 * password and its servers as one JSON value; a plain value (an environment variable, or an entry saved
 * before bindings existed) is bound to nothing and used wherever the profile points it.
 */

/** The password of a stored secret and the servers it may be sent to (null: any). */
export interface OpenedSecret {
  readonly password: string;
  readonly servers: readonly string[] | null;
  /** The least TLS checking it may be sent under (tlsStrength); null: saved before that was bound. */
  readonly tls: number | null;
}

/** Where a resolved password came from, when that secret is bound to servers. */
export interface BoundSecretOrigin {
  readonly name: string;
  readonly servers: readonly string[];
  readonly tls?: number | null;
}

/**
 * How much a connection checks who answers: 0 none (plain), 1 TLS when offered (prefer), 2 TLS
 * required, 3 TLS against a CA (require with a root certificate: libpq's verify-ca), 4 and the host
 * name too (verify-full). A password typed for a server checked so is never sent under less: a profile
 * edited to `ssl: disable` would let anyone on the path ask for it in clear.
 */
export function tlsStrength(target: { readonly ssl: boolean | string; readonly sslRootCert?: string | undefined }): number {
  if (target.ssl === 'verify-full') return 4;
  if (target.ssl === 'require' || target.ssl === true) return target.sslRootCert ? 3 : 2;
  if (target.ssl === 'prefer') return 1;
  return 0;
}

const TLS_WORDS = [
  'no TLS',
  'TLS only when the server offers it (prefer)',
  'TLS required',
  'TLS checked against a CA',
  "TLS checked against a CA and the server's name (verify-full)",
];

const MARK = 'shardConsoleSecret';

/** `user@host:port`, as a binding names a server. */
export function serverKey(server: { readonly user: string; readonly host: string; readonly port: number }): string {
  return `${server.user}@${canonicalHost(server.host)}:${server.port}`;
}

/** The value to store for a password typed for these servers. */
export function sealSecret(password: string, servers: readonly string[], tls: number | null = null): string {
  return JSON.stringify({ [MARK]: 1, password, servers: [...new Set(servers)].sort(), ...(tls === null ? {} : { tls }) });
}

/** A stored value read back: a sealed one with its servers, anything else as a password bound to nothing. */
export function openSecret(stored: string): OpenedSecret {
  if (!stored.startsWith(`{"${MARK}":`)) return { password: stored, servers: null, tls: null };
  try {
    const parsed = JSON.parse(stored) as { password?: unknown; servers?: unknown; tls?: unknown };
    if (typeof parsed.password === 'string' && Array.isArray(parsed.servers) && parsed.servers.every((s) => typeof s === 'string')) {
      const tls = typeof parsed.tls === 'number' && Number.isInteger(parsed.tls) ? parsed.tls : null;
      return { password: parsed.password, servers: parsed.servers as string[], tls };
    }
  } catch {
    // not one this console sealed: a password that happens to start so
  }
  return { password: stored, servers: null, tls: null };
}

/**
 * Refuses to send a bound secret's password to a server it was not typed for. `where` names the
 * profile entry (`the profile form: default`, `primary`).
 */
export function assertSecretServer(
  origin: BoundSecretOrigin | undefined,
  server: { readonly user: string; readonly host: string; readonly port: number },
  where: { readonly file: string; readonly entry: string },
): void {
  if (origin === undefined) return;
  const key = serverKey(server);
  if (origin.servers.includes(key)) return;
  throw new ConsoleError(
    'CONFIG_INVALID',
    `${where.file}: ${where.entry} would send the stored password "${origin.name}" to ${key}, but it was saved for ${origin.servers.join(', ')}. The console never sends a saved password to another server: type the password again in the profile form (it is then saved for ${key}), or give a \${VAR} reference. Nothing was connected to.`,
    { target: where.file, details: { entry: where.entry, secret: origin.name, server: key, savedFor: [...origin.servers] } },
  );
}

/** Refuses to send a bound secret's password under less TLS checking than it was typed with (see tlsStrength). */
export function assertSecretTls(origin: BoundSecretOrigin | undefined, strength: number, where: { readonly file: string; readonly entry: string }): void {
  if (origin?.tls === undefined || origin.tls === null || strength >= origin.tls) return;
  throw new ConsoleError(
    'CONFIG_INVALID',
    `${where.file}: ${where.entry} would send the stored password "${origin.name}" with ${TLS_WORDS[strength]}, but it was saved for ${TLS_WORDS[origin.tls]}. The console never sends a saved password under weaker TLS than it was typed for: set ssl (and sslRootCert) back, or type the password again in the profile form. Nothing was connected to.`,
    { target: where.file, details: { entry: where.entry, secret: origin.name, tls: strength, savedFor: origin.tls } },
  );
}
