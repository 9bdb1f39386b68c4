import type { ErrorCode } from '../../shared/errors.ts';

/*
 * The bad inputs, as data. A call case goes through the IPC gateway and the HTTP bridge (and, with
 * `cli`, the same input through the command line); CLI, HTTP and IPC cases exercise what only that
 * transport has (arguments and profile files, headers and paths, senders). Every case must be refused
 * with its code, say what to do, and change nothing.
 */

export interface CallCase {
  readonly kind: 'call';
  readonly name: string;
  readonly method: string;
  readonly params: unknown;
  readonly code: ErrorCode;
  /** The same input on the command line (`--profile` and `--json` are added). */
  readonly cli?: readonly string[];
  /** When the CLI answers with another code (it checks some options itself). */
  readonly cliCode?: ErrorCode;
}

export interface CliCase {
  readonly kind: 'cli';
  readonly name: string;
  readonly args: readonly string[];
  readonly code: ErrorCode;
  /** Run against this profile instead of the cluster's (a broken one); null: no --profile at all. */
  readonly profile?: string | null;
  readonly env?: Readonly<Record<string, string>>;
  /** Text that must not appear in the output (a password from a broken file). */
  readonly secret?: string;
}

export interface HttpCase {
  readonly kind: 'http';
  readonly name: string;
  readonly path: string;
  readonly method?: string;
  /** `TOKEN` in a header is replaced by the bridge's token. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly status: number;
  readonly code: ErrorCode;
}

export interface IpcCase {
  readonly kind: 'ipc';
  readonly name: string;
  readonly method: unknown;
  readonly params: unknown;
  readonly sender: { url: string; parent: unknown } | null;
  readonly code: ErrorCode;
}

export type BadInputCase = CallCase | CliCase | HttpCase | IpcCase;

/** What the cases need to know about the cluster they run against. */
export interface CaseContext {
  /** Port of the server holding shard_1, and its database. */
  readonly shard1Port: number;
  readonly shard1Database: string;
  /** This machine's name when it resolves to loopback (an alias of 127.0.0.1), else null. */
  readonly hostAlias: string | null;
  /** Broken profile and database.yml files written for the CLI cases. */
  readonly files: Readonly<Record<BrokenFile, string>>;
  /** A folder that does not exist. */
  readonly missing: string;
  /** A uuid no job has. */
  readonly unknownJob: string;
}

export type BrokenFile =
  | 'notJson'
  | 'encodedPasswordUrl'
  | 'queryPasswordTwice'
  | 'clearPasswordField'
  | 'passwordDefault'
  | 'nulInUrl'
  | 'escapeInHost'
  | 'newlineInUrl'
  | 'aliasedShards'
  | 'ymlLiteralPassword'
  | 'ymlEncodedPasswordUrl'
  | 'notAFile';

const call = (name: string, method: string, params: unknown, code: ErrorCode, cli?: readonly string[], cliCode?: ErrorCode): CallCase =>
  cli === undefined ? { kind: 'call', name, method, params, code } : { kind: 'call', name, method, params, code, cli, ...(cliCode ? { cliCode } : {}) };

const PASS = '${SC_SECURITY_PASSWORD}';
const long = (n: number, char = 'a') => char.repeat(n);
const emoji = (n: number) => '\u{1F600}'.repeat(n);

/** Unicode and control-character values refused wherever a string is taken. */
function unicodeCases(): CallCase[] {
  return [
    call('search holding NUL', 'tenants.list', { search: 'a\u0000b' }, 'INVALID_PARAMS', ['tenants', '--search', 'a\u0000b']),
    call('search holding ESC (a terminal escape)', 'tenants.list', { search: '\u001b[2J\u001b]0;owned\u0007' }, 'INVALID_PARAMS', [
      'tenants',
      '--search',
      '\u001b[2J',
    ]),
    call('search holding BEL', 'tenants.list', { search: 'ring\u0007' }, 'INVALID_PARAMS', ['tenants', '--search', 'ring\u0007']),
    call('search holding DEL', 'tenants.list', { search: 'x\u007f' }, 'INVALID_PARAMS', ['tenants', '--search', 'x\u007f']),
    call('search holding C1 CSI (U+009B)', 'tenants.list', { search: 'x\u009b2J' }, 'INVALID_PARAMS', ['tenants', '--search', 'x\u009b2J']),
    call('search holding C1 NEL (U+0085)', 'tenants.list', { search: 'x\u0085y' }, 'INVALID_PARAMS'),
    call('search holding a lone high surrogate', 'tenants.list', { search: 'x\ud800' }, 'INVALID_PARAMS'),
    call('search holding a lone low surrogate', 'tenants.list', { search: '\udc00x' }, 'INVALID_PARAMS'),
    call('search of 201 characters', 'tenants.list', { search: long(201) }, 'INVALID_PARAMS', ['tenants', '--search', long(201)]),
    call('search of 201 emoji (402 UTF-16 units)', 'tenants.list', { search: emoji(201) }, 'INVALID_PARAMS', ['tenants', '--search', emoji(201)]),
    call('search of 1 MB minus a little', 'tenants.list', { search: long(900_000) }, 'INVALID_PARAMS'),
    call('search as an object', 'tenants.list', { search: { $ne: '' } }, 'INVALID_PARAMS'),
    call('search as an array', 'tenants.list', { search: ['a', 'b'] }, 'INVALID_PARAMS'),
    call('shard filter holding NUL', 'tenants.list', { shard: 'shard_1\u0000' }, 'INVALID_PARAMS', ['tenants', '--shard', 'shard_1\u0000']),
    call('shard filter of 64 characters', 'tenants.list', { shard: long(64) }, 'INVALID_PARAMS', ['tenants', '--shard', long(64)]),
    call('empty shard filter', 'tenants.list', { shard: '' }, 'INVALID_PARAMS'),
    call('database name holding NUL', 'shards.sizes', { database: 'default\u0000' }, 'INVALID_PARAMS', ['sizes', '--database', 'default\u0000']),
    call('database name with a right-to-left override', 'shards.sizes', { database: '\u202eshard_1' }, 'SHARD_UNKNOWN', [
      'sizes',
      '--database',
      '\u202eshard_1',
    ]),
    call('database name with a zero-width space', 'catalog.tables', { database: 'shard\u200b_1' }, 'SHARD_UNKNOWN'),
    call('database name in full-width letters', 'catalog.tables', { database: 'ｓｈａｒｄ_1' }, 'SHARD_UNKNOWN'),
    call('database name decomposed (é as e + U+0301)', 'catalog.tables', { database: 'de\u0301fault' }, 'SHARD_UNKNOWN'),
    call('database name with a byte-order mark', 'catalog.tables', { database: '\ufeffdefault' }, 'SHARD_UNKNOWN'),
    call('a parameter name holding NUL', 'tenants.list', { 'limit\u0000': 5 }, 'INVALID_PARAMS'),
    call('params nested 40 levels deep', 'tenants.list', { search: JSON.parse(`${'['.repeat(40)}1${']'.repeat(40)}`) }, 'INVALID_PARAMS'),
    call('move target holding NUL', 'moves.preflight', { websiteId: 1, target: 'shard_1\u0000' }, 'INVALID_PARAMS', ['move', '1', '--to', 'shard_1\u0000']),
    call('move source holding a line break and ESC', 'moves.preflight', { websiteId: 1, target: 'shard_1', source: 'default\n\u001b' }, 'INVALID_PARAMS', [
      'move',
      '1',
      '--to',
      'shard_1',
      '--from',
      'default\u001b',
    ]),
    call('job id holding NUL', 'moves.get', { jobId: '00000000-0000-4000-8000-000000000000\u0000' }, 'INVALID_PARAMS'),
    call('migration run id holding NUL', 'migrations.run', { runId: 'run\u0000' }, 'INVALID_PARAMS'),
  ];
}

/** Website ids, job ids, run ids and shard names: every id the contract takes. */
function idCases(ctx: CaseContext): CallCase[] {
  return [
    call('website id 0', 'tenants.detail', { id: 0 }, 'INVALID_PARAMS', ['tenant', '0']),
    call('website id -1', 'tenants.detail', { id: -1 }, 'INVALID_PARAMS', ['tenant', '--', '-1']),
    call('website id 2^31', 'tenants.detail', { id: 2_147_483_648 }, 'INVALID_PARAMS', ['tenant', '2147483648']),
    call('website id 1.5', 'tenants.detail', { id: 1.5 }, 'INVALID_PARAMS', ['tenant', '1.5']),
    call('website id as a string', 'tenants.detail', { id: '1' }, 'INVALID_PARAMS'),
    call('website id as SQL', 'tenants.detail', { id: '1; DROP TABLE pwb_websites' }, 'INVALID_PARAMS', ['tenant', '1; DROP TABLE pwb_websites']),
    call('website id null', 'tenants.detail', { id: null }, 'INVALID_PARAMS'),
    call('website id true', 'tenants.detail', { id: true }, 'INVALID_PARAMS'),
    call('website id as an array', 'tenants.detail', { id: [1] }, 'INVALID_PARAMS'),
    call('website id missing', 'tenants.detail', {}, 'INVALID_PARAMS', ['tenant']),
    call('website id 1e309 (Infinity)', 'tenants.detail', { id: Number.POSITIVE_INFINITY }, 'INVALID_PARAMS', ['tenant', '1e309']),
    call('website id in Arabic-Indic digits', 'tenants.detail', { id: '٤٢' }, 'INVALID_PARAMS', ['tenant', '٤٢']),
    call('website id that no website has', 'tenants.detail', { id: 99_999 }, 'WEBSITE_NOT_FOUND', ['tenant', '99999']),
    call('website id 2^31-1, no website', 'tenants.detail', { id: 2_147_483_647 }, 'WEBSITE_NOT_FOUND', ['tenant', '2147483647']),
    call('footprint of website id 0', 'shards.tenantFootprint', { id: 0 }, 'INVALID_PARAMS'),
    call('footprint of an unknown website', 'shards.tenantFootprint', { id: 99_999 }, 'WEBSITE_NOT_FOUND'),
    call('footprint with an unknown figure', 'shards.tenantFootprint', { id: 1, figure: 'approximately' }, 'INVALID_PARAMS'),
    call('placement of website id 0', 'moves.verifyPlacement', { websiteId: 0 }, 'INVALID_PARAMS', ['verify', '0']),
    call('placement of an unknown website', 'moves.verifyPlacement', { websiteId: 99_999 }, 'WEBSITE_NOT_FOUND', ['verify', '99999']),
    call('placement of website "abc"', 'moves.verifyPlacement', { websiteId: 'abc' }, 'INVALID_PARAMS', ['verify', 'abc']),
    call('move list for website -5', 'moves.list', { websiteId: -5 }, 'INVALID_PARAMS'),
    call('job id "x"', 'moves.get', { jobId: 'x' }, 'INVALID_PARAMS'),
    call('job id empty', 'moves.get', { jobId: '' }, 'INVALID_PARAMS'),
    call('job id as SQL', 'moves.get', { jobId: "' OR 1=1 --" }, 'INVALID_PARAMS'),
    call('job id without dashes', 'moves.get', { jobId: '3f2b8c1e5d4a4e6b9c7d1a2b3c4d5e6f' }, 'INVALID_PARAMS'),
    call('job id in braces', 'moves.get', { jobId: `{${ctx.unknownJob}}` }, 'INVALID_PARAMS'),
    call('job id of 10,000 characters', 'moves.get', { jobId: long(10_000, 'f') }, 'INVALID_PARAMS'),
    call('job id a number', 'moves.get', { jobId: 42 }, 'INVALID_PARAMS'),
    call('job id no job has', 'moves.get', { jobId: ctx.unknownJob }, 'JOB_NOT_FOUND'),
    call('resume job "not-a-uuid"', 'moves.resume', { jobId: 'not-a-uuid' }, 'INVALID_PARAMS', ['move', 'resume', 'not-a-uuid']),
    call('resume job "1"', 'moves.resume', { jobId: '1' }, 'INVALID_PARAMS', ['move', 'resume', '1']),
    call('resume a job no one has', 'moves.resume', { jobId: ctx.unknownJob }, 'JOB_NOT_FOUND', ['move', 'resume', ctx.unknownJob]),
    call('roll back job "abc"', 'moves.rollback', { jobId: 'abc' }, 'INVALID_PARAMS', ['move', 'rollback', 'abc']),
    call('roll back a job as SQL', 'moves.rollback', { jobId: "x'; DELETE FROM shard_console.move_jobs; --" }, 'INVALID_PARAMS', [
      'move',
      'rollback',
      "x'; DELETE FROM shard_console.move_jobs; --",
    ]),
    call('roll back a job no one has', 'moves.rollback', { jobId: ctx.unknownJob }, 'JOB_NOT_FOUND', ['move', 'rollback', ctx.unknownJob]),
    call('cancel job "../../etc/passwd"', 'moves.cancel', { jobId: '../../etc/passwd' }, 'INVALID_PARAMS', ['move', 'cancel', '../../etc/passwd']),
    call('cancel a job no one has', 'moves.cancel', { jobId: ctx.unknownJob }, 'JOB_NOT_FOUND', ['move', 'cancel', ctx.unknownJob]),
    call('cancel with no job id', 'moves.cancel', {}, 'INVALID_PARAMS', ['move', 'cancel']),
    call('migration run id empty', 'migrations.run', { runId: '' }, 'INVALID_PARAMS'),
    call('migration run id of 101 characters', 'migrations.run', { runId: long(101) }, 'INVALID_PARAMS'),
    call('migration run id no run has', 'migrations.run', { runId: 'no-such-run' }, 'JOB_NOT_FOUND'),
    call('catalog of an unknown database', 'catalog.tables', { database: 'nope' }, 'SHARD_UNKNOWN'),
    call('catalog of database "../default"', 'catalog.tables', { database: '../default' }, 'SHARD_UNKNOWN'),
    call('catalog of a 64-character database name', 'catalog.tables', { database: long(64) }, 'INVALID_PARAMS'),
    call('catalog of database 5', 'catalog.tables', { database: 5 }, 'INVALID_PARAMS'),
    call('sizes of an unknown database', 'shards.sizes', { database: 'nope' }, 'SHARD_UNKNOWN', ['sizes', '--database', 'nope']),
    call('sizes of database ""', 'shards.sizes', { database: '' }, 'INVALID_PARAMS'),
    call('largest tenants of an unknown database', 'shards.largestTenants', { database: 'pwb_default' }, 'SHARD_UNKNOWN'),
    call('migration plan for an unknown database', 'migrations.plan', { database: 'shard_9' }, 'SHARD_UNKNOWN'),
    call('preflight with an unknown view refresh', 'moves.preflight', { websiteId: 1, target: 'shard_1', viewRefresh: 'whenever' }, 'INVALID_PARAMS', [
      'move',
      '1',
      '--to',
      'shard_1',
      '--refresh-views',
      'whenever',
    ]),
  ];
}

/** Numbers, enums and shapes the schemas bound. */
function boundsCases(): CallCase[] {
  return [
    call('limit 0', 'tenants.list', { limit: 0 }, 'INVALID_PARAMS', ['tenants', '--limit', '0']),
    call('limit 501', 'tenants.list', { limit: 501 }, 'INVALID_PARAMS', ['tenants', '--limit', '501']),
    call('limit 1.5', 'tenants.list', { limit: 1.5 }, 'INVALID_PARAMS', ['tenants', '--limit', '1.5']),
    call('limit "10"', 'tenants.list', { limit: '10' }, 'INVALID_PARAMS'),
    call('limit 1e9', 'tenants.list', { limit: 1e9 }, 'INVALID_PARAMS', ['tenants', '--limit', '1000000000']),
    call('limit as hex', 'tenants.list', { limit: '0x10' }, 'INVALID_PARAMS', ['tenants', '--limit', '0x10']),
    call('offset -1', 'tenants.list', { offset: -1 }, 'INVALID_PARAMS'),
    call('offset 10,000,001', 'tenants.list', { offset: 10_000_001 }, 'INVALID_PARAMS'),
    call('offset "lots"', 'tenants.list', { offset: 'lots' }, 'INVALID_PARAMS', ['tenants', '--offset', 'lots']),
    call('sort by SQL', 'tenants.list', { sort: 'id; DROP TABLE pwb_websites' }, 'INVALID_PARAMS', ['tenants', '--sort', 'id; DROP TABLE pwb_websites']),
    call('sort by a column not offered', 'tenants.list', { sort: 'password' }, 'INVALID_PARAMS', ['tenants', '--sort', 'password']),
    call('direction sideways', 'tenants.list', { direction: 'sideways' }, 'INVALID_PARAMS'),
    call('an extra parameter', 'tenants.list', { limit: 5, extra: true }, 'INVALID_PARAMS'),
    call('a __proto__ parameter', 'tenants.list', JSON.parse('{"__proto__": {"isAdmin": true}}'), 'INVALID_PARAMS'),
    call('a constructor parameter', 'tenants.list', { constructor: { prototype: { polluted: true } } }, 'INVALID_PARAMS'),
    call('params as an array', 'tenants.list', [1, 2], 'INVALID_PARAMS'),
    call('params as a string', 'tenants.list', 'limit=5', 'INVALID_PARAMS'),
    call('params as a number', 'cluster.overview', 7, 'INVALID_PARAMS'),
    call('session.info with a parameter', 'session.info', { profile: '/etc/passwd' }, 'INVALID_PARAMS'),
    call('overview with a parameter', 'cluster.overview', { all: true }, 'INVALID_PARAMS'),
    call('doctor with a parameter', 'doctor.run', { fix: true }, 'INVALID_PARAMS'),
    call('drift with a parameter', 'schema.drift', { apply: true }, 'INVALID_PARAMS'),
    call('lint with a parameter', 'schema.lint', { rules: ['x'] }, 'INVALID_PARAMS'),
    call('migration status with a parameter', 'migrations.status', { dir: '/tmp' }, 'INVALID_PARAMS'),
    call('largest tenants, limit 0', 'shards.largestTenants', { limit: 0 }, 'INVALID_PARAMS', ['sizes', '--limit', '0']),
    call('largest tenants, limit 501', 'shards.largestTenants', { limit: 501 }, 'INVALID_PARAMS', ['sizes', '--limit', '501']),
    call('move list, limit 0', 'moves.list', { limit: 0 }, 'INVALID_PARAMS', ['moves', '--limit', '0']),
    call('move list, limit 501', 'moves.list', { limit: 501 }, 'INVALID_PARAMS', ['moves', '--limit', '501']),
    call('migration plan, parallel 0', 'migrations.plan', { parallel: 0 }, 'INVALID_PARAMS', ['migrate', 'up', '--dry-run', '--parallel', '0']),
    call('migration plan, parallel 33', 'migrations.plan', { parallel: 33 }, 'INVALID_PARAMS', ['migrate', 'up', '--dry-run', '--parallel', '33']),
    call('preflight of website 0', 'moves.preflight', { websiteId: 0, target: 'shard_1' }, 'INVALID_PARAMS', ['move', '0', '--to', 'shard_1']),
    call('preflight without a target', 'moves.preflight', { websiteId: 1 }, 'INVALID_PARAMS', ['move', '1']),
  ];
}

/** Methods that change the cluster, with input that must be refused before anything changes. */
function mutatingCases(): CallCase[] {
  return [
    call('start a move of website 0', 'moves.start', { websiteId: 0, target: 'shard_1' }, 'INVALID_PARAMS', ['move', '0', '--to', 'shard_1', '--yes']),
    call('start a move of an unknown website', 'moves.start', { websiteId: 99_999, target: 'shard_1' }, 'WEBSITE_NOT_FOUND', [
      'move',
      '99999',
      '--to',
      'shard_1',
      '--yes',
    ]),
    call('start a move to an unknown shard', 'moves.start', { websiteId: 1, target: 'shard_9' }, 'MOVE_REFUSED', ['move', '1', '--to', 'shard_9', '--yes']),
    call('start a move to a NUL shard', 'moves.start', { websiteId: 1, target: '\u0000' }, 'INVALID_PARAMS', ['move', '1', '--to', '\u0000', '--yes']),
    call('start a move with an extra parameter', 'moves.start', { websiteId: 1, target: 'shard_1', force: true }, 'INVALID_PARAMS'),
    call('migrate with parallel 0', 'migrations.up', { parallel: 0 }, 'INVALID_PARAMS', ['migrate', 'up', '--parallel', '0']),
    call('migrate with parallel "all"', 'migrations.up', { parallel: 'all' }, 'INVALID_PARAMS', ['migrate', 'up', '--parallel', 'all']),
    call('migrate a database named with NUL', 'migrations.up', { database: 'shard_1\u0000' }, 'INVALID_PARAMS', [
      'migrate',
      'up',
      '--database',
      'shard_1\u0000',
    ]),
    call('migrate with an extra parameter', 'migrations.up', { sql: 'DROP TABLE pwb_websites' }, 'INVALID_PARAMS'),
  ];
}

/** cluster.addShard: its name, and every way a URL can be wrong, aliased or carry a secret. */
function addShardCases(ctx: CaseContext): CallCase[] {
  const url = (host: string, database = ctx.shard1Database, port = ctx.shard1Port) => `postgres://postgres:${PASS}@${host}:${port}/${database}`;
  const add = (name: string, shard: string, target: string, code: ErrorCode, cliCode?: ErrorCode) =>
    call(name, 'cluster.addShard', { name: shard, url: target }, code, ['shard', 'add', shard, '--url', target], cliCode);
  const cases = [
    add('shard name starting with a digit', '1shard', url('127.0.0.1', 'pwb_x'), 'INVALID_PARAMS'),
    add('shard name with a dash', 'shard-9', url('127.0.0.1', 'pwb_x'), 'INVALID_PARAMS'),
    add('shard name with a slash', '../shard_9', url('127.0.0.1', 'pwb_x'), 'INVALID_PARAMS'),
    add('shard name of 64 characters', long(64), url('127.0.0.1', 'pwb_x'), 'INVALID_PARAMS'),
    add('shard name in Cyrillic', 'shаrd_9', url('127.0.0.1', 'pwb_x'), 'INVALID_PARAMS'),
    add('shard name "default" (the primary)', 'default', url('127.0.0.1', 'pwb_x'), 'SHARD_EXISTS'),
    add('shard name already in use', 'shard_1', url('127.0.0.1', 'pwb_x'), 'SHARD_EXISTS'),
    call('shard name empty', 'cluster.addShard', { name: '', url: url('127.0.0.1', 'pwb_x') }, 'INVALID_PARAMS'),
    call('URL empty', 'cluster.addShard', { name: 'shard_9', url: '' }, 'INVALID_PARAMS'),
    call('URL of 2,001 characters', 'cluster.addShard', { name: 'shard_9', url: `postgres://h/${long(1990)}` }, 'INVALID_PARAMS'),
    call('URL missing', 'cluster.addShard', { name: 'shard_9' }, 'INVALID_PARAMS', ['shard', 'add', 'shard_9']),
    add('URL holding NUL', 'shard_9', `${url('127.0.0.1', 'pwb_x')}\u0000`, 'INVALID_PARAMS'),
    add('URL whose database name holds NUL', 'shard_9', url('127.0.0.1', 'pwb\u0000x'), 'INVALID_PARAMS'),
    add('URL holding a line break', 'shard_9', url('127.0.0.1', 'pwb_sh\nard_1'), 'CONFIG_INVALID'),
    add('URL holding a tab', 'shard_9', url('127.0.0.1', 'pwb_sh\tard_1'), 'CONFIG_INVALID'),
    add('URL holding ESC', 'shard_9', url('127.0.0.1\u001b', 'pwb_x'), 'INVALID_PARAMS'),
    add('URL that is not a URL', 'shard_9', 'not a url', 'CONFIG_INVALID'),
    add('http URL', 'shard_9', 'http://127.0.0.1/pwb_x', 'CONFIG_INVALID'),
    add('file URL', 'shard_9', 'file:///etc/passwd', 'CONFIG_INVALID'),
    add('URL without a database', 'shard_9', `postgres://postgres:${PASS}@127.0.0.1:${ctx.shard1Port}`, 'CONFIG_INVALID'),
    add('URL with port 0', 'shard_9', url('127.0.0.1', 'pwb_x', 0), 'CONFIG_INVALID'),
    add('URL with port 99999', 'shard_9', `postgres://127.0.0.1:99999/pwb_x`, 'CONFIG_INVALID'),
    add('URL with an unknown sslmode', 'shard_9', `${url('127.0.0.1', 'pwb_x')}?sslmode=sometimes`, 'CONFIG_INVALID'),
    add('URL with an unset variable', 'shard_9', 'postgres://postgres:${SC_NOT_SET_ANYWHERE}@127.0.0.1/pwb_x', 'CONFIG_MISSING_VARIABLE'),
    add('URL with an unclosed ${', 'shard_9', 'postgres://postgres:${SC_SECURITY_PASSWORD@127.0.0.1/pwb_x', 'CONFIG_INVALID'),
    add('URL with a password in clear', 'shard_9', url('127.0.0.1', 'pwb_x').replace(PASS, 'hunter2'), 'CONFIG_INVALID'),
    add('URL with ?password=', 'shard_9', `postgres://postgres@127.0.0.1/pwb_x?password=hunter2`, 'CONFIG_INVALID'),
    add('URL with ?pass%77ord= (encoded name)', 'shard_9', `postgres://postgres@127.0.0.1/pwb_x?pass%77ord=hunter2`, 'CONFIG_INVALID'),
    add('URL with ?%70%61%73%73%77%6f%72%64=', 'shard_9', `postgres://postgres@127.0.0.1/pwb_x?%70%61%73%73%77%6f%72%64=hunter2`, 'CONFIG_INVALID'),
    add('URL with ?PASSWORD=', 'shard_9', `postgres://postgres@127.0.0.1/pwb_x?PASSWORD=hunter2`, 'CONFIG_INVALID'),
    add('URL with a reference, then a clear password', 'shard_9', `postgres://postgres@127.0.0.1/pwb_x?password=${PASS}&password=hunter2`, 'CONFIG_INVALID'),
    add('URL with ?sslpassword=', 'shard_9', `postgres://postgres:${PASS}@127.0.0.1/pwb_x?sslpassword=hunter2`, 'CONFIG_INVALID'),
    add('URL with an encoded ${VAR} as password', 'shard_9', `postgres://postgres:%24%7BSC_SECURITY_PASSWORD%7D@127.0.0.1/pwb_x`, 'CONFIG_INVALID'),
    add('URL with the password after a fragment-looking ${', 'shard_9', `postgres://postgres@127.0.0.1/pwb_x?x=\${A:-#}&password=hunter2`, 'CONFIG_INVALID'),
    add('URL naming shard_1 as 127.0.0.1', 'shard_9', url('127.0.0.1'), 'SHARD_EXISTS'),
    add('URL naming shard_1 as localhost', 'shard_9', url('localhost'), 'SHARD_EXISTS'),
    add('URL naming shard_1 as 127.1', 'shard_9', url('127.1'), 'SHARD_EXISTS'),
    add('URL naming shard_1 as 0.0.0.0', 'shard_9', url('0.0.0.0'), 'SHARD_EXISTS'),
    add('URL naming shard_1 as 2130706433', 'shard_9', url('2130706433'), 'SHARD_EXISTS'),
    add('URL naming shard_1 as 0x7f.1', 'shard_9', url('0x7f.1'), 'SHARD_EXISTS'),
    add('URL naming shard_1 as LOCALHOST.', 'shard_9', url('LOCALHOST.'), 'SHARD_EXISTS'),
    add('URL naming shard_1 as [::ffff:127.0.0.1]', 'shard_9', url('[::ffff:127.0.0.1]'), 'SHARD_EXISTS'),
    add(
      'URL naming shard_1 through ?host=',
      'shard_9',
      `postgres://postgres:${PASS}@db.invalid:1/pwb_x?host=127.1&port=${ctx.shard1Port}&dbname=${ctx.shard1Database}`,
      'SHARD_EXISTS',
    ),
    add('URL to a port nothing listens on', 'shard_9', url('127.0.0.1', 'pwb_x', 1), 'DATABASE_UNREACHABLE'),
    add('URL to a host that does not resolve', 'shard_9', url('no-such-host.invalid', 'pwb_x'), 'DATABASE_UNREACHABLE'),
    add('URL with the wrong password variable', 'shard_9', `postgres://postgres:\${SC_WRONG_PASSWORD}@127.0.0.1:${ctx.shard1Port}/pwb_x`, 'AUTH_FAILED'),
  ];
  if (ctx.hostAlias !== null) cases.push(add(`URL naming shard_1 by the host name "${ctx.hostAlias}"`, 'shard_9', url(ctx.hostAlias), 'SHARD_EXISTS'));
  return cases;
}

/** What only the command line has: its own arguments, profile files, database.yml and the environment. */
function cliCases(ctx: CaseContext): CliCase[] {
  const cli = (name: string, args: readonly string[], code: ErrorCode, extra: Partial<CliCase> = {}): CliCase => ({ kind: 'cli', name, args, code, ...extra });
  const f = ctx.files;
  return [
    cli('an unknown command', ['frobnicate'], 'INVALID_PARAMS'),
    cli('an unknown command holding ESC', ['\u001b]0;owned\u0007'], 'INVALID_PARAMS'),
    cli('an unknown option', ['tenants', '--everything'], 'INVALID_PARAMS'),
    cli('an option value holding BEL (--search=)', ['tenants', '--search=\u0007'], 'INVALID_PARAMS'),
    cli('tenants --limit -1', ['tenants', '--limit', '-1'], 'INVALID_PARAMS'),
    cli('tenants --sort with no value', ['tenants', '--sort'], 'INVALID_PARAMS'),
    cli('move without --to', ['move', '5'], 'INVALID_PARAMS'),
    cli('move of website "five"', ['move', 'five', '--to', 'shard_1'], 'INVALID_PARAMS'),
    cli('move resume with no job', ['move', 'resume'], 'INVALID_PARAMS'),
    cli('move resume of an uppercase non-uuid', ['move', 'resume', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ'], 'INVALID_PARAMS'),
    cli('migrate sideways', ['migrate', 'sideways'], 'INVALID_PARAMS'),
    cli('migrate with nothing', ['migrate'], 'INVALID_PARAMS'),
    cli('shard remove (no such action)', ['shard', 'remove', 'shard_1'], 'INVALID_PARAMS'),
    cli('migration new without a name', ['migration', 'new', '--tenant'], 'INVALID_PARAMS', { profile: null }),
    cli('migration new as both sets', ['migration', 'new', 'x', '--tenant', '--global'], 'INVALID_PARAMS', { profile: null }),
    cli('migration new with a path for a name', ['migration', 'new', '../../../../tmp/evil', '--tenant', '--dir', ctx.missing], 'INVALID_PARAMS', {
      profile: null,
    }),
    cli('migration new with a name holding NUL', ['migration', 'new', 'x\u0000y', '--tenant', '--dir', ctx.missing], 'INVALID_PARAMS', { profile: null }),
    cli('serve --port 70000', ['serve', '--port', '70000'], 'INVALID_PARAMS'),
    cli('serve --port abc', ['serve', '--port', 'abc'], 'INVALID_PARAMS'),
    cli('serve with a short SHARD_CONSOLE_TOKEN', ['serve'], 'CONFIG_INVALID', { env: { SHARD_CONSOLE_TOKEN: 'hunter2' } }),
    cli('serve with a repetitive SHARD_CONSOLE_TOKEN', ['serve'], 'CONFIG_INVALID', { env: { SHARD_CONSOLE_TOKEN: 'a'.repeat(64) } }),
    cli('serve with an empty SHARD_CONSOLE_TOKEN', ['serve'], 'CONFIG_INVALID', { env: { SHARD_CONSOLE_TOKEN: '' } }),
    cli('serve with a token holding a line break', ['serve'], 'CONFIG_INVALID', {
      env: { SHARD_CONSOLE_TOKEN: `${'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA'}\r\nX-Injected: 1` },
    }),
    cli('demo --websites 0', ['demo', '--websites', '0'], 'INVALID_PARAMS', { profile: null }),
    cli('demo --scale -1', ['demo', '--scale', '-1'], 'INVALID_PARAMS', { profile: null }),
    cli('a profile that does not exist', ['shards'], 'CONFIG_NOT_FOUND', { profile: `${ctx.missing}/profile.json` }),
    cli('a profile that is a folder', ['shards'], 'CONFIG_INVALID', { profile: f.notAFile }),
    cli('a profile path holding NUL', ['shards'], 'INVALID_PARAMS', { profile: `${f.notJson}\u0000.json` }),
    cli('a profile that is not JSON, with a password in it', ['shards'], 'CONFIG_INVALID', { profile: f.notJson, secret: 'hunter2' }),
    cli('a profile URL with ?pass%77ord=', ['shards'], 'CONFIG_INVALID', { profile: f.encodedPasswordUrl, secret: 'hunter2' }),
    cli('a profile URL with the password twice', ['shards'], 'CONFIG_INVALID', { profile: f.queryPasswordTwice, secret: 'hunter2' }),
    cli('a profile password in clear', ['shards'], 'CONFIG_INVALID', { profile: f.clearPasswordField, secret: 'hunter2' }),
    cli('a profile password as ${VAR:-default}', ['shards'], 'CONFIG_INVALID', { profile: f.passwordDefault, secret: 'hunter2' }),
    cli('a profile URL holding NUL', ['shards'], 'CONFIG_INVALID', { profile: f.nulInUrl }),
    cli('a profile host holding ESC', ['shards'], 'CONFIG_INVALID', { profile: f.escapeInHost }),
    cli('a profile URL holding a line break', ['shards'], 'CONFIG_INVALID', { profile: f.newlineInUrl }),
    cli('a profile listing one database twice (127.1 and 127.0.0.1)', ['shards'], 'CONFIG_INVALID', { profile: f.aliasedShards }),
    cli('a database.yml with a password typed in', ['shards', '--rails-config', f.ymlLiteralPassword, '--env', 'production'], 'CONFIG_INVALID', {
      profile: null,
      secret: 'hunter2',
    }),
    cli('a database.yml URL with ?pass%77ord=', ['shards', '--rails-config', f.ymlEncodedPasswordUrl, '--env', 'production'], 'CONFIG_INVALID', {
      profile: null,
      secret: 'hunter2',
    }),
    cli('a database.yml that does not exist', ['shards', '--rails-config', `${ctx.missing}/database.yml`, '--env', 'production'], 'CONFIG_NOT_FOUND', {
      profile: null,
    }),
    cli('a database.yml without the environment', ['shards', '--rails-config', f.ymlLiteralPassword, '--env', 'nope\u0001'], 'INVALID_PARAMS', {
      profile: null,
    }),
  ];
}

/** What only the HTTP bridge has: the token, Host and Origin, the path and the body. */
function httpCases(): HttpCase[] {
  const json = { 'content-type': 'application/json' };
  const auth = { ...json, authorization: 'Bearer TOKEN' };
  const post = (name: string, path: string, headers: Record<string, string>, body: string, status: number, code: ErrorCode): HttpCase => ({
    kind: 'http',
    name,
    path,
    method: 'POST',
    headers,
    body,
    status,
    code,
  });
  return [
    post('no token', '/rpc/session.info', json, '{}', 401, 'UNAUTHORIZED'),
    post(
      'a wrong token of the right length',
      '/rpc/session.info',
      { ...json, authorization: 'Bearer wrong-token-of-the-same-length-as-the-real-one!' },
      '{}',
      401,
      'UNAUTHORIZED',
    ),
    post('the token with a lower-case scheme', '/rpc/session.info', { ...json, authorization: 'bearer TOKEN' }, '{}', 401, 'UNAUTHORIZED'),
    post('the token as Basic', '/rpc/session.info', { ...json, authorization: 'Basic TOKEN' }, '{}', 401, 'UNAUTHORIZED'),
    post('no token, malformed %-escape in the method', '/rpc/%E0%A4%A', json, '{}', 401, 'UNAUTHORIZED'),
    post('a malformed %-escape in the method', '/rpc/%E0%A4%A', auth, '{}', 400, 'INVALID_PARAMS'),
    post('a lone % in the method', '/rpc/tenants.list%', auth, '{}', 400, 'INVALID_PARAMS'),
    post('an encoded NUL in the method', '/rpc/session.info%00', auth, '{}', 400, 'INVALID_PARAMS'),
    post('an encoded ESC in the method', '/rpc/%1B%5B2J', auth, '{}', 400, 'INVALID_PARAMS'),
    post('no method', '/rpc/', auth, '{}', 404, 'UNKNOWN_METHOD'),
    post('an unknown method', '/rpc/tenants.drop', auth, '{}', 404, 'UNKNOWN_METHOD'),
    post('a method spelled with a look-alike letter', '/rpc/tenants.lis%D1%82', auth, '{}', 404, 'UNKNOWN_METHOD'),
    post('a method named __proto__', '/rpc/__proto__', auth, '{}', 404, 'UNKNOWN_METHOD'),
    post('a method named constructor', '/rpc/constructor', auth, '{}', 404, 'UNKNOWN_METHOD'),
    post('a body that is not JSON', '/rpc/tenants.list', auth, '{limit', 400, 'INVALID_PARAMS'),
    post('a body over 1 MB', '/rpc/tenants.list', auth, JSON.stringify({ search: long(1_100_000) }), 413, 'INVALID_PARAMS'),
    post('text/plain instead of JSON', '/rpc/tenants.list', { ...auth, 'content-type': 'text/plain' }, '{}', 415, 'INVALID_PARAMS'),
    post('a form post', '/rpc/tenants.list', { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, 'limit=5', 415, 'INVALID_PARAMS'),
    post('another origin', '/rpc/session.info', { ...auth, origin: 'https://evil.example' }, '{}', 403, 'UNAUTHORIZED'),
    post('the null origin', '/rpc/session.info', { ...auth, origin: 'null' }, '{}', 403, 'UNAUTHORIZED'),
    post('a DNS-rebinding Host', '/rpc/session.info', { ...auth, host: 'evil.example' }, '{}', 403, 'UNAUTHORIZED'),
    post('a Host of 127.0.0.1.evil.example', '/rpc/session.info', { ...auth, host: '127.0.0.1.evil.example' }, '{}', 403, 'UNAUTHORIZED'),
    post('params refused by the schema answer 400', '/rpc/tenants.detail', auth, '{"id": "abc"}', 400, 'INVALID_PARAMS'),
    post('an unknown website answers 404', '/rpc/tenants.detail', auth, '{"id": 99999}', 404, 'WEBSITE_NOT_FOUND'),
    post('an unknown database answers 404', '/rpc/shards.sizes', auth, '{"database": "nope"}', 404, 'SHARD_UNKNOWN'),
    post('a shard name in use answers 409', '/rpc/cluster.addShard', auth, '{"name": "shard_1", "url": "postgres://h/x"}', 409, 'SHARD_EXISTS'),
    post(
      'an unreachable new shard answers 503',
      '/rpc/cluster.addShard',
      auth,
      '{"name": "shard_9", "url": "postgres://postgres@127.0.0.1:1/pwb_x"}',
      503,
      'DATABASE_UNREACHABLE',
    ),
    { kind: 'http', name: 'GET on /rpc', path: '/rpc/session.info', method: 'GET', headers: auth, status: 405, code: 'INVALID_PARAMS' },
    { kind: 'http', name: 'a page path with a malformed %-escape', path: '/%E0%A4%A', status: 400, code: 'INVALID_PARAMS' },
    { kind: 'http', name: 'a page path with an encoded NUL', path: '/index.html%00.js', status: 400, code: 'INVALID_PARAMS' },
    { kind: 'http', name: 'PUT on a page', path: '/index.html', method: 'PUT', status: 405, code: 'INVALID_PARAMS' },
  ];
}

/** What only the IPC gateway has: who sends, and what it says the method is. */
function ipcCases(): IpcCase[] {
  const app = { url: 'file:///opt/shard-console/dist/renderer/index.html', parent: null };
  const ipc = (name: string, method: unknown, params: unknown, sender: IpcCase['sender'], code: ErrorCode): IpcCase => ({
    kind: 'ipc',
    name,
    method,
    params,
    sender,
    code,
  });
  return [
    ipc('a sender that is another page', 'session.info', {}, { url: 'https://evil.example/', parent: null }, 'UNAUTHORIZED'),
    ipc('a sender that is a frame in our page', 'session.info', {}, { url: app.url, parent: {} }, 'UNAUTHORIZED'),
    ipc('no sender frame', 'session.info', {}, null, 'UNAUTHORIZED'),
    ipc('a sender on another file', 'session.info', {}, { url: 'file:///etc/passwd', parent: null }, 'UNAUTHORIZED'),
    ipc('a method that is a number', 42, {}, app, 'INVALID_PARAMS'),
    ipc('a method that is an object', { toString: () => 'session.info' }, {}, app, 'INVALID_PARAMS'),
    ipc('a method holding NUL', 'session.info\u0000', {}, app, 'UNKNOWN_METHOD'),
    ipc('a method named hasOwnProperty', 'hasOwnProperty', {}, app, 'UNKNOWN_METHOD'),
  ];
}

export function badInputCases(ctx: CaseContext): BadInputCase[] {
  return [...unicodeCases(), ...idCases(ctx), ...boundsCases(), ...mutatingCases(), ...addShardCases(ctx), ...cliCases(ctx), ...httpCases(), ...ipcCases()];
}
