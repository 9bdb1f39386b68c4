import type { DatabaseForm, PasswordField, ProfileForm } from '../../../shared/contract.ts';
import { ConsoleError } from '../../../shared/errors.ts';
import { buildDatabaseTarget } from '../config/build-database-target.ts';
import type { Environment } from '../config/expand-variables.ts';
import { railsDatabasesOf } from '../config/load-profile.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import { resolveConnectionEntry } from '../config/resolve-connection-entry.ts';
import { openSecret, serverKey, tlsStrength } from '../config/secret-binding.ts';
import { envSecretReader, type SecretReader } from '../config/secret-store.ts';
import { QUERY_ROLE_KEY } from './profile-form.ts';

/*
 * The servers each password of a profile form goes to, as the loader will resolve them (variables
 * expanded, libpq's defaults filled): a typed password is stored bound to them, and a kept keychain
 * secret is checked against them before the form is saved (see config/secret-binding.ts).
 */

/** One database of the form, its password left out, resolved as the loader will. */
async function targetOfForm(db: DatabaseForm, env: Environment): Promise<DatabaseTarget> {
  const where = { file: 'the profile form', entry: db.shard };
  // Its TLS too: a password is bound to the TLS checking it was typed under (secret-binding.ts).
  const tls = { ssl: db.ssl === 'disable' ? false : db.ssl, ...(db.sslRootCert ? { sslRootCert: db.sslRootCert } : {}) };
  const parts = await resolveConnectionEntry(
    { host: db.host, port: db.port, database: db.database, user: db.user, ...tls },
    { ...where, env, secrets: envSecretReader({}) },
  );
  return buildDatabaseTarget(parts, { name: db.shard, origin: `the profile form: ${db.shard}`, ...where }, env);
}

/** The servers the query role reaches: every database of the form, and those its database.yml adds. */
async function queryRoleServers(form: ProfileForm, profilePath: string, user: string, env: Environment): Promise<{ servers: string[]; tls: number }> {
  // A database the form names overrides the database.yml's of its name, as the loader merges them.
  const servers = new Map<string, DatabaseTarget>();
  // Its variables expanded as the loader expands them: `${RAILS_ROOT}/config/database.yml` is a real path there.
  if (form.rails) for (const t of await railsDatabasesOf(form.rails, profilePath, env)) servers.set(t.name, t);
  for (const db of form.databases) servers.set(db.shard, await targetOfForm(db, env));
  const targets = [...servers.values()];
  // The role's password goes to every database: it is bound to the least TLS checking among them.
  return { servers: targets.map((t) => serverKey({ user, host: t.host, port: t.port })), tls: Math.min(4, ...targets.map((t) => tlsStrength(t))) };
}

/** Each stored password of the form (typed now, or kept in the keychain; a database's, keyed by shard, and the query role's) with the servers it goes to. */
export async function passwordServers(
  form: ProfileForm,
  profilePath: string,
  env: Environment,
): Promise<Array<{ readonly key: string; readonly password: PasswordField; readonly servers: readonly string[]; readonly tls: number }>> {
  // Only stored passwords are bound: a form of ${VAR}s saves on a machine where they are not set.
  const stored = (p: PasswordField) => p.kind === 'typed' || p.kind === 'secret';
  const found = await Promise.all(
    form.databases
      .filter((db) => stored(db.password))
      .map(async (db) => {
        const target = await targetOfForm(db, env);
        return { key: db.shard, password: db.password, servers: [serverKey(target)], tls: tlsStrength(target) };
      }),
  );
  if (form.queryRole && stored(form.queryRole.password)) {
    const { user, password } = form.queryRole;
    found.push({ key: QUERY_ROLE_KEY, password, ...(await queryRoleServers(form, profilePath, user, env)) });
  }
  return found;
}

/**
 * Refuses a form that keeps a keychain secret (`passwordSecret`) but points it at a server it was not
 * saved for: saved, the profile would not open. Nothing is saved.
 */
export async function assertKeptSecretsFit(found: Awaited<ReturnType<typeof passwordServers>>, secrets: SecretReader): Promise<void> {
  for (const { key, password, servers, tls } of found) {
    if (password.kind !== 'secret') continue;
    const stored = await secrets.get(password.name);
    if (stored === undefined) continue;
    const opened = openSecret(stored);
    const what = key === QUERY_ROLE_KEY ? 'the query role' : key;
    if (opened.tls !== null && tls < opened.tls) {
      throw new ConsoleError(
        'CONFIG_INVALID',
        `${what}: the stored password "${password.name}" was saved for connections with more TLS checking than this form gives it (its ssl or sslRootCert was weakened). The console never sends a saved password under weaker TLS: set them back, or type the password again for ${what}. Nothing was saved.`,
        { details: { entry: key, secret: password.name, tls, savedFor: opened.tls } },
      );
    }
    const bound = opened.servers;
    const outside = bound === null ? undefined : servers.find((s) => !bound.includes(s));
    if (outside === undefined) continue;
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${what}: the stored password "${password.name}" was saved for ${bound!.join(', ')}, and this form would send it to ${outside}. The console never sends a saved password to another server: type the password again for ${what}. Nothing was saved.`,
      { details: { entry: key, secret: password.name, server: outside, savedFor: [...bound!] } },
    );
  }
}
