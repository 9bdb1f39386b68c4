import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { ConsoleError } from '../../../shared/errors.ts';
import { assertDatabaseSet } from './assert-database-set.ts';
import { PRIMARY_SHARD_NAME, buildDatabaseTarget, resolveRootCert } from './build-database-target.ts';
import type { Environment } from './expand-variables.ts';
import { parsePort, parsePostgresUrl, sslFromMode, type ConnectionParts } from './postgres-url.ts';
import type { DatabaseTarget } from './profile-schema.ts';
import { railsShardName } from './rails-shard-name.ts';
import { renderErb } from './render-erb.ts';
import { assertNoLiteralYmlPassword } from './yml-literal-passwords.ts';

export interface RailsImportOptions {
  readonly env: Environment;
  /** Rails config name -> shard name, for apps whose names do not follow PWB's convention. */
  readonly shardNames?: Readonly<Record<string, string>> | undefined;
}

type RailsConfig = Record<string, unknown>;

interface Entry {
  readonly configName: string;
  /** `production.tenant_shard_1`, or `production` for a single-database environment. */
  readonly path: string;
  readonly config: RailsConfig;
  readonly node: Node | undefined;
  /** Where the environment is a URL alone (`production: postgres://...`): its own pair, the URL's place in the file. */
  readonly urlPair?: Pair | undefined;
}

function isPlainObject(value: unknown): value is RailsConfig {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readSource(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConsoleError(
        'CONFIG_NOT_FOUND',
        `No Rails database config at ${file}. Run \`shard-console demo\` to create a profile, or pass --profile FILE / --rails-config FILE --env NAME (the app's config/database.yml).`,
        { target: file },
      );
    }
    throw new ConsoleError('CONFIG_INVALID', `Cannot read ${file}: ${(error as Error).message}`, { target: file, cause: error });
  }
}

/**
 * Rails' two layouts: an environment is one database (`production: {database: ...}`, or just a URL), or,
 * when every value is itself a mapping, several named ones (`production: {primary: ..., tenant_shard_1: ...}`).
 */
function entriesOf(doc: Document, environment: string, value: unknown): Entry[] {
  if (typeof value === 'string') {
    return [{ configName: 'primary', path: environment, config: { url: value }, node: undefined, urlPair: findPair(doc, doc.contents as Node, environment) }];
  }
  if (!isPlainObject(value)) return [];
  const values = Object.values(value);
  if (values.length > 0 && values.every(isPlainObject)) {
    return Object.entries(value).map(([configName, config]) => ({
      configName,
      path: `${environment}.${configName}`,
      config: config as RailsConfig,
      node: nodeAt(doc, [environment, configName]),
    }));
  }
  return [{ configName: 'primary', path: environment, config: value, node: nodeAt(doc, [environment]) }];
}

/**
 * The node holding a path's value as Rails reads it: through aliases (`staging: *production`) and merge
 * keys (`staging: {<<: *production}`), the last of duplicate keys. `doc.getIn` follows neither and takes
 * the first duplicate, so the checks that read the node (a variable left unset, a literal password)
 * found nothing there and let the entry through.
 */
function nodeAt(doc: Document, keys: readonly string[]): Node | undefined {
  let node = doc.contents as Node | undefined;
  for (const key of keys) {
    const pair = findPair(doc, node, key);
    if (pair === undefined) return undefined;
    node = pair.value as Node | undefined;
    if (isAlias(node)) node = node.resolve(doc) as Node | undefined;
  }
  return node;
}

/** The pair that gave `config[key]` its value: the entry's own key, else the first `<<: *anchor` that has it. */
function findPair(doc: Document, node: Node | undefined, key: string): Pair | undefined {
  const map = isAlias(node) ? node.resolve(doc) : node;
  if (!isMap(map)) return undefined;
  const own = (map as YAMLMap).items.filter((pair) => isScalar(pair.key) && pair.key.value === key).at(-1);
  if (own !== undefined) return own as Pair;
  for (const pair of (map as YAMLMap).items) {
    if (!isScalar(pair.key) || (typeof pair.key.value !== 'symbol' && pair.key.value !== '<<')) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const source of sources) {
      const found = findPair(doc, source as Node, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * The document as plain values. An alias that names no anchor is refused by line, never quoting the
 * parser's message: it names the alias, and a value ERB printed that begins with `*` (a password) reads
 * as one.
 */
function toPlain(doc: Document, file: string, lines: LineCounter): unknown {
  try {
    return doc.toJS();
  } catch (error) {
    // Other errors (a merge of a scalar, too many aliases) quote no value: said as the parser says them.
    if (!(error instanceof ReferenceError) || !/unresolved alias/i.test(error.message)) {
      throw new ConsoleError('CONFIG_INVALID', `${file}: not valid YAML (${String((error as Error)?.message ?? error).split('\n')[0]}).`, { target: file });
    }
    let line: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        if (line !== undefined || node.resolve(doc) !== undefined) return;
        if (node.range) line = lines.linePos(node.range[0]).line;
      },
    });
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${file}${line === undefined ? '' : ` line ${line}`}: a YAML alias (*name) there names no anchor. If an ERB value printed there begins with "*" or "&", quote the tag: password: "<%= ENV['PWB_DATABASE_PASSWORD'] %>".`,
      // No cause: the parser's message quotes what follows the "*".
      { target: file, details: { line } },
    );
  }
}

/** database.yml read, its ERB rendered and parsed as Rails would (duplicate keys: the last wins; merge keys). */
async function parseRailsYml(file: string, options: RailsImportOptions) {
  const source = await readSource(file);
  const rendered = renderErb(source, { file, env: options.env });
  const lines = new LineCounter();
  // Psych lets a later duplicate key win, and so does Rails; merge keys are YAML 1.1, which Psych speaks.
  const doc = parseDocument(rendered.text, { merge: true, uniqueKeys: false, lineCounter: lines });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const line = yamlError.linePos?.[0].line;
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${file}${line === undefined ? '' : ` line ${line}`}: not valid YAML (${yamlError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}).`,
      { target: file, details: { line } },
    );
  }
  const root = toPlain(doc, file, lines);
  if (!isPlainObject(root)) {
    throw new ConsoleError('CONFIG_INVALID', `${file}: expected a mapping of Rails environments (development:, production:, ...).`, { target: file });
  }
  return { source, rendered, lines, doc, root };
}

/** Whether a mapping names a database itself (`database:`, `url:`) or in one of its own (a multi-database environment). */
function namesDatabase(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const own = (v: unknown) => isPlainObject(v) && (Object.hasOwn(v, 'database') || Object.hasOwn(v, 'url'));
  return own(value) || Object.values(value).some(own);
}

/**
 * The environments of a database.yml, in file order, leaving out templates: an anchored mapping named
 * `default` (Rails' own `default: &default`), or one other environments merge from (`<<: *base`) that
 * names no database. An anchored environment that names its database (`production: &production`,
 * aliased by `staging: *production`) is one.
 */
export async function railsEnvironmentNames(file: string, options: RailsImportOptions): Promise<string[]> {
  const { doc, root } = await parseRailsYml(file, options);
  const top = doc.contents;
  const anchors = new Map<string, string>();
  if (isMap(top)) {
    for (const pair of top.items) {
      const anchor = (pair.value as { anchor?: string } | null)?.anchor;
      if (isScalar(pair.key) && anchor) anchors.set(String(pair.key.value), anchor);
    }
  }
  const merged = new Set<string>();
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && (typeof pair.key.value === 'symbol' || pair.key.value === '<<'))
        for (const a of isSeq(pair.value) ? pair.value.items : [pair.value]) if (isAlias(a)) merged.add(a.source);
    },
  });
  const template = (name: string) => {
    const anchor = anchors.get(name);
    return anchor !== undefined && (name === 'default' || (merged.has(anchor) && !namesDatabase(root[name])));
  };
  return Object.keys(root).filter((name) => !template(name));
}

export async function importRailsDatabaseYml(
  file: string,
  environment: string,
  options: RailsImportOptions,
): Promise<{ readonly databases: readonly DatabaseTarget[] }> {
  const { source, rendered, lines, doc, root } = await parseRailsYml(file, options);
  if (!Object.hasOwn(root, environment)) {
    const known = Object.keys(root);
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${file} has no "${environment}" environment. It has: ${known.join(', ') || 'none'}. Pass one of those with --env NAME.`,
      { target: file, details: { environment, environments: known } },
    );
  }
  const entries = entriesOf(doc, environment, root[environment]);
  if (entries.length === 0) {
    throw new ConsoleError('CONFIG_INVALID', `${file}: "${environment}" lists no databases.`, { target: file, details: { environment } });
  }

  // Rails' own rule: with no config named `primary`, the first one is the primary.
  const railsPrimary = entries.some((entry) => entry.configName === 'primary') ? 'primary' : entries[0]?.configName;
  const databases: DatabaseTarget[] = [];
  const sourceLines = source.split('\n');
  for (const entry of entries) {
    // Replicas are read-only copies of a database already listed; the console reads and moves tenants on writers.
    if (entry.config.replica === true) continue;
    // Rails 8's Solid Cache, Queue and Cable databases hold the framework's own tables, not tenants
    // (unless shardNames names them on purpose).
    if (isSolidDatabase(entry) && options.shardNames?.[entry.configName] === undefined) continue;
    // `database_tasks: false` entries are kept: Rails does not migrate them, but the app still keeps data there.
    const name = options.shardNames?.[entry.configName] ?? (entry.configName === railsPrimary ? PRIMARY_SHARD_NAME : railsShardName(entry.configName));
    databases.push(targetOf(entry, name, { file, environment, doc, lines, sourceLines, unsetByLine: rendered.unsetByLine, env: options.env }));
  }
  assertDatabaseSet(databases, file);
  return Object.freeze({ databases: Object.freeze(databases) });
}

const SOLID_DATABASES = new Set(['cache', 'queue', 'cable']);

/** `cache:`/`queue:`/`cable:` entries, or any entry migrating from db/cache_migrate, db/queue_migrate, db/cable_migrate. */
function isSolidDatabase(entry: Entry): boolean {
  const paths = entry.config.migrations_paths;
  const list = Array.isArray(paths) ? paths : [paths];
  return SOLID_DATABASES.has(entry.configName) || list.some((p) => typeof p === 'string' && /(^|\/)db\/(cache|queue|cable)_migrate\/?$/.test(p));
}

interface Context {
  readonly file: string;
  readonly environment: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  /** The file before ERB ran: where a password typed into it shows as such. */
  readonly sourceLines: readonly string[];
  readonly unsetByLine: ReadonlyMap<number, readonly string[]>;
  readonly env: Environment;
}

/** One key of an entry as text; undefined when absent or empty. A list or mapping there is refused. */
function entryText(entry: Entry, key: string, file: string): string | undefined {
  const value = entry.config[key];
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ConsoleError('CONFIG_INVALID', `${file}: ${entry.path}.${key} should be a single value, not a list or mapping.`, {
    target: file,
    details: { entry: `${entry.path}.${key}` },
  });
}

/** A value that came out empty because ERB read unset variables is a missing variable, not an absent key. */
function requireFilled(entry: Entry, key: string, context: Context): void {
  const { file } = context;
  if (!Object.hasOwn(entry.config, key) || entryText(entry, key, file) !== undefined) return;
  const blame = unsetVariablesAt(entry, key, context);
  if (blame === undefined) return;
  const names = blame.variables;
  const cause = names.length === 1 ? `${names[0]} is not set` : `none of ${names.join(', ')} is set`;
  throw new ConsoleError(
    'CONFIG_MISSING_VARIABLE',
    `${file}: ${entry.path}.${key} is empty because ${cause} (line ${blame.line}). Set ${names.length === 1 ? 'it' : 'one of them'} in the environment Shard Console starts in, or pass --profile FILE listing the databases.`,
    { target: file, details: { entry: `${entry.path}.${key}`, variables: names, line: blame.line } },
  );
}

/**
 * Rails lets <NAME>_DATABASE_URL (and DATABASE_URL for the primary) stand in for an entry's settings,
 * but only for the environment the process runs in, and never for an entry that has a `url:` of its own
 * (Rails' merge_db_environment_variables leaves a UrlConfig alone): the console sees what the app would.
 * A platform that sets DATABASE_URL for an add-on must not send the console to that database while the
 * app uses the one its `url:` names.
 */
function environmentUrlOf(entry: Entry, context: Context): string | undefined {
  const { env } = context;
  const runningEnvironment = env.RAILS_ENV || env.RACK_ENV || 'development';
  // `url:` in the entry (its own, merged in, or the entry being just a URL string), even if empty.
  if (entry.config.url !== undefined) return undefined;
  return context.environment === runningEnvironment
    ? env[`${entry.configName.toUpperCase()}_DATABASE_URL`] || (entry.configName === 'primary' ? env.DATABASE_URL || undefined : undefined)
    : undefined;
}

/** The connection fields an entry names itself (`host:`, `port:`, `database:`, `username:`, `password:`, `sslmode:`). */
function explicitParts(entry: Entry, file: string): ConnectionParts {
  const text = (key: string) => entryText(entry, key, file);
  const where = (key: string) => ({ file, entry: `${entry.path}.${key}` });
  const explicit: ConnectionParts = {};
  const host = text('host');
  if (host !== undefined) explicit.host = host;
  const port = text('port');
  if (port !== undefined) explicit.port = parsePort(port, where('port'));
  const database = text('database');
  if (database !== undefined) explicit.database = database;
  const user = text('username') ?? text('user');
  if (user !== undefined) explicit.user = user;
  const password = text('password');
  if (password !== undefined) explicit.password = password;
  const sslmode = text('sslmode');
  if (sslmode !== undefined) explicit.ssl = sslFromMode(sslmode, where('sslmode'));
  // As libpq takes it from the app's process: relative to where the app runs, which is the Rails root.
  const sslRootCert = text('sslrootcert');
  if (sslRootCert !== undefined) explicit.sslRootCert = resolveRootCert(dirname(dirname(file)), sslRootCert);
  return explicit;
}

/**
 * What libpq takes from the environment for a field the entry leaves out: the Rails app connects through
 * libpq, so with `PGHOST=db.internal` set and no `host:` in the entry, it talks to db.internal, not to
 * localhost. (`PGPASSWORD` node-postgres reads itself; `PGDATABASE` is not used: an entry without a
 * database is refused rather than guessed.) Only the fields still missing are read, so a variable the
 * entries do not need (every entry names its host) is never checked.
 */
function withLibpqDefaults(parts: ConnectionParts, env: Environment, file: string): ConnectionParts {
  const where = (name: string) => ({ file, entry: `the ${name} environment variable` });
  const defaults: ConnectionParts = {};
  if (env.PGHOST && parts.host === undefined) {
    if (env.PGHOST.includes(',')) {
      throw new ConsoleError(
        'CONFIG_INVALID',
        `${file}: PGHOST lists several hosts ("${env.PGHOST}"), which Shard Console cannot follow. Give the entries a host: of their own, or set PGHOST to the one server to use.`,
        { target: file, details: { variable: 'PGHOST' } },
      );
    }
    defaults.host = env.PGHOST;
  }
  if (env.PGPORT && parts.port === undefined) defaults.port = parsePort(env.PGPORT, where('PGPORT'));
  if (env.PGUSER && parts.user === undefined) defaults.user = env.PGUSER;
  // Neither the entry nor PGSSLMODE says: libpq's own default, as the app connects.
  if (parts.ssl === undefined) defaults.ssl = env.PGSSLMODE ? sslFromMode(env.PGSSLMODE, where('PGSSLMODE')) : 'prefer';
  return { ...defaults, ...parts };
}

function targetOf(entry: Entry, name: string, context: Context): DatabaseTarget {
  const { file, env } = context;
  const environmentUrl = environmentUrlOf(entry, context);

  if (environmentUrl === undefined) requireFilled(entry, 'url', context);
  requireFilled(entry, 'host', context);
  requireFilled(entry, 'database', context);
  assertNoLiteralYmlPassword({
    file,
    entryPath: entry.path,
    sourceLines: context.sourceLines,
    lines: context.lines,
    pairOf: (key) => (key === 'url' && entry.urlPair ? entry.urlPair : findPair(context.doc, entry.node, key)),
    keys: environmentUrl === undefined ? ['password', 'url'] : ['password'],
  });

  const explicit = explicitParts(entry, file);
  const url = environmentUrl ?? entryText(entry, 'url', file);
  // Rails' UrlConfig merges the URL over the other keys: a URL's host or database beats `database:`.
  const fromUrl =
    url === undefined ? {} : parsePostgresUrl(url, { file, entry: `${entry.path}.${environmentUrl === undefined ? 'url' : 'url (from the environment)'}` });
  // A URL's sslrootcert, like the key's, as the app reads it: relative to the Rails root.
  if (fromUrl.sslRootCert !== undefined) fromUrl.sslRootCert = resolveRootCert(dirname(dirname(file)), fromUrl.sslRootCert);

  return buildDatabaseTarget(
    withLibpqDefaults({ ...explicit, ...fromUrl }, env, file),
    { name, origin: `${basename(file)}: ${entry.path}`, file, entry: entry.path },
    env,
  );
}

function unsetVariablesAt(entry: Entry, key: string, context: Context): { line: number; variables: string[] } | undefined {
  const pair = findPair(context.doc, entry.node, key);
  const keyStart = (pair?.key as Node | undefined)?.range?.[0];
  if (pair === undefined || keyStart === undefined) return undefined;
  const valueEnd = (pair.value as Node | null | undefined)?.range?.[1] ?? keyStart;
  const first = context.lines.linePos(keyStart).line;
  const last = context.lines.linePos(valueEnd).line;
  const variables = new Set<string>();
  for (let line = first; line <= last; line++) for (const name of context.unsetByLine.get(line) ?? []) variables.add(name);
  return variables.size === 0 ? undefined : { line: first, variables: [...variables] };
}
