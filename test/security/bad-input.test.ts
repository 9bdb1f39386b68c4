import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../electron/core/config/load-profile.ts';
import { memorySecretStore } from '../../electron/core/config/secret-store.ts';
import { openConsole, type ConsoleContext } from '../../electron/core/console-context.ts';
import { httpStatusFor } from '../../electron/core/http/http-status.ts';
import type { ErrorCode } from '../../shared/errors.ts';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';
import {
  badInputCases,
  type BadInputCase,
  type BrokenFile,
  type CaseContext,
  type CallCase,
  type CliCase,
  type HttpCase,
  type IpcCase,
} from './bad-input-cases.ts';
import { clusterState, type StateSource } from './support/cluster-state.ts';
import { openTransports, SAYS_WHAT_TO_DO, type Envelope, type Transports } from './support/transports.ts';

/*
 * The hostile-but-fair probe, kept: every bad input through every transport it can reach, each
 * refused with its code and status, a message that says what to do, and no change to any database
 * or profile file (compared by content after every single case).
 */

const ENV_NAMES = ['SC_SECURITY_PASSWORD', 'SC_WRONG_PASSWORD', 'SHARD_CONSOLE_TOKEN', 'SHARD_CONSOLE_PROFILE'] as const;
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));

let pc: PrivateCluster;
let ctx: ConsoleContext;
let t: Transports;
let profilePath: string;
let source: StateSource;
let baseline: Record<string, string>;
let cases: BadInputCase[];

async function aliasOfThisHost(): Promise<string | null> {
  const name = hostname();
  const found = await lookup(name).catch(() => null);
  return found !== null && found.address === '127.0.0.1' ? name : null;
}

/** Profiles and database.yml files that must be refused, all naming the real servers (accepted, they would connect). */
async function writeBrokenFiles(folder: string): Promise<Record<BrokenFile, string>> {
  const server = (name: string) => pc.cluster.servers.find((s) => s.name === name)!;
  const primary = server('default');
  const base = `postgres://postgres@127.0.0.1:${primary.port}/${primary.database}`;
  const profile = (
    shard1: Record<string, unknown>,
    primaryEntry: Record<string, unknown> = { url: `postgres://postgres:\${SC_SECURITY_PASSWORD}@127.0.0.1:${primary.port}/${primary.database}` },
  ) => JSON.stringify({ name: 'broken', primary: primaryEntry, shards: { shard_1: shard1 } }, null, 2);
  const shard1 = server('shard_1');
  const shard1Url = `postgres://postgres:\${SC_SECURITY_PASSWORD}@127.0.0.1:${shard1.port}/${shard1.database}`;
  const yml = (primaryUrl: string, password?: string) =>
    ['production:', '  primary:', '    adapter: postgresql', `    url: ${primaryUrl}`, ...(password ? [`    password: ${password}`] : []), ''].join('\n');
  const contents: Record<Exclude<BrokenFile, 'notAFile'>, [string, string]> = {
    notJson: ['not-json.json', `{\n  "name": "broken",\n  "primary": { "url": "${base}", "password": hunter2 }\n}\n`],
    encodedPasswordUrl: ['encoded.json', profile({ url: shard1Url }, { url: `${base}?pass%77ord=hunter2` })],
    queryPasswordTwice: ['twice.json', profile({ url: shard1Url }, { url: `${base}?password=\${SC_SECURITY_PASSWORD}&password=hunter2` })],
    clearPasswordField: ['clear.json', profile({ host: '127.0.0.1', port: shard1.port, database: shard1.database, user: 'postgres', password: 'hunter2' })],
    passwordDefault: [
      'default.json',
      profile({ host: '127.0.0.1', port: shard1.port, database: shard1.database, user: 'postgres', password: '${SC_NOT_SET:-hunter2}' }),
    ],
    nulInUrl: ['nul.json', profile({ url: `${shard1Url}\u0000` })],
    escapeInHost: ['escape.json', profile({ host: '127.0.0.1\u001b[2J', port: shard1.port, database: shard1.database, password: '${SC_SECURITY_PASSWORD}' })],
    newlineInUrl: ['newline.json', profile({ url: `postgres://postgres:\${SC_SECURITY_PASSWORD}@127.0.0.1:${shard1.port}/pwb_sh\nard_1` })],
    aliasedShards: ['aliased.json', profile({ url: `postgres://postgres:\${SC_SECURITY_PASSWORD}@127.1:${primary.port}/${primary.database}` })],
    ymlLiteralPassword: ['literal.yml', yml(`postgres://postgres@127.0.0.1:${primary.port}/${primary.database}`, 'hunter2')],
    ymlEncodedPasswordUrl: ['encoded.yml', yml(`${base}?pass%77ord=hunter2`)],
  };
  const files = { notAFile: join(folder, 'a-folder') } as Record<BrokenFile, string>;
  await mkdir(files.notAFile);
  for (const [key, [name, text]] of Object.entries(contents)) {
    files[key as BrokenFile] = join(folder, name);
    await writeFile(join(folder, name), text, { mode: 0o600 });
  }
  return files;
}

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9 });
  process.env.SC_SECURITY_PASSWORD = pc.cluster.password;
  process.env.SC_WRONG_PASSWORD = 'not-the-password';
  delete process.env.SHARD_CONSOLE_PROFILE;
  delete process.env.SHARD_CONSOLE_TOKEN;
  const profileDir = await mkdtemp(join(tmpdir(), 'sc-security-profile-'));
  profilePath = join(profileDir, 'profile.json');
  const original = await readFile(pc.cluster.profilePath, 'utf8');
  await writeFile(profilePath, original.replaceAll('${SC_TEST_PASSWORD}', '${SC_SECURITY_PASSWORD}'), { mode: 0o600 });
  const filesDir = await mkdtemp(join(tmpdir(), 'sc-security-files-'));
  const shard1 = pc.cluster.servers.find((s) => s.name === 'shard_1')!;
  const caseContext: CaseContext = {
    shard1Port: shard1.port,
    shard1Database: shard1.database,
    hostAlias: await aliasOfThisHost(),
    files: await writeBrokenFiles(filesDir),
    missing: join(filesDir, 'no-such-folder'),
    unknownJob: '5b0c2f7e-9d3a-4c1b-8e6f-2a4d6c8e0f13',
  };
  cases = badInputCases(caseContext);
  ctx = openConsole(await loadProfile(profilePath, { env: process.env, secrets: memorySecretStore() }));
  t = await openTransports(ctx);
  source = { servers: pc.cluster.servers, password: pc.cluster.password, folders: [profileDir, filesDir, pc.cluster.dir] };
  baseline = await clusterState(source);
}, 240_000);

afterAll(async () => {
  await t?.close();
  await ctx?.close();
  await pc?.stop();
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});

/** What went wrong with one case on one transport, for a report that lists every failure at once. */
type Problems = string[];

async function unchanged(label: string, problems: Problems): Promise<void> {
  const now = await clusterState(source);
  const changed = Object.keys({ ...baseline, ...now }).filter((key) => baseline[key] !== now[key]);
  if (changed.length > 0) {
    problems.push(`${label}: changed ${changed.join(', ')}`);
    baseline = now;
  }
}

function checkEnvelope(label: string, envelope: unknown, code: ErrorCode, problems: Problems): void {
  const e = envelope as Envelope;
  if (e?.ok !== false || typeof e.error !== 'object' || e.error === null)
    return void problems.push(`${label}: not refused with an error envelope (${JSON.stringify(e).slice(0, 200)})`);
  if (e.error.code !== code) problems.push(`${label}: ${e.error.code} instead of ${code} (${e.error.message.slice(0, 300)})`);
  if (!SAYS_WHAT_TO_DO.test(e.error.message)) problems.push(`${label}: the message does not say what to do: ${e.error.message}`);
}

async function runCall(c: CallCase, problems: Problems): Promise<void> {
  checkEnvelope(`IPC ${c.name}`, await t.ipc(c.method, c.params), c.code, problems);
  await unchanged(`IPC ${c.name}`, problems);
  const answer = await t.rpc(c.method, c.params);
  if (answer.status !== httpStatusFor(c.code)) problems.push(`HTTP ${c.name}: status ${answer.status} instead of ${httpStatusFor(c.code)}`);
  checkEnvelope(`HTTP ${c.name}`, JSON.parse(answer.body), c.code, problems);
  await unchanged(`HTTP ${c.name}`, problems);
  if (c.cli) await runCli({ kind: 'cli', name: c.name, args: c.cli, code: c.cliCode ?? c.code }, problems);
}

async function runCli(c: CliCase, problems: Problems): Promise<void> {
  const label = `CLI ${c.name}`;
  const profile = c.profile === undefined ? ['--profile', profilePath] : c.profile === null ? [] : ['--profile', c.profile];
  for (const [name, value] of Object.entries(c.env ?? {})) process.env[name] = value;
  let answer: Awaited<ReturnType<typeof t.cli>>;
  try {
    // Options first: a `--` among the arguments makes everything after it a positional.
    answer = await t.cli(['--json', ...profile, ...c.args]);
  } finally {
    for (const name of Object.keys(c.env ?? {})) delete process.env[name];
  }
  const exit = c.code === 'INVALID_PARAMS' ? 2 : 1;
  if (answer.code !== exit) problems.push(`${label}: exit ${answer.code} instead of ${exit}`);
  let printed: unknown = null;
  try {
    printed = JSON.parse(answer.stdout);
  } catch {
    problems.push(`${label}: stdout is not the JSON error envelope: ${answer.stdout.slice(0, 200)}`);
  }
  if (printed !== null) checkEnvelope(label, printed, c.code, problems);
  if (!answer.stderr.includes(`error [${c.code}]`)) problems.push(`${label}: stderr does not name ${c.code}: ${answer.stderr.slice(0, 300)}`);
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(answer.stdout + answer.stderr)) problems.push(`${label}: printed a control character`);
  if (c.secret && (answer.stdout + answer.stderr).includes(c.secret)) problems.push(`${label}: printed the secret from the file`);
  await unchanged(label, problems);
}

async function runHttp(c: HttpCase, problems: Problems): Promise<void> {
  const headers = Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k, v.replace('TOKEN', t.bridge.token)]));
  const answer = await t.http(c.path, { method: c.method ?? 'GET', headers, ...(c.body === undefined ? {} : { body: c.body }) });
  if (answer.status !== c.status) problems.push(`HTTP ${c.name}: status ${answer.status} instead of ${c.status}`);
  let body: unknown = null;
  try {
    body = JSON.parse(answer.body);
  } catch {
    problems.push(`HTTP ${c.name}: the body is not an envelope: ${answer.body.slice(0, 200)}`);
  }
  if (body !== null) checkEnvelope(`HTTP ${c.name}`, body, c.code, problems);
  await unchanged(`HTTP ${c.name}`, problems);
}

async function runIpc(c: IpcCase, problems: Problems): Promise<void> {
  checkEnvelope(`IPC ${c.name}`, await t.ipc(c.method, c.params, c.sender), c.code, problems);
  await unchanged(`IPC ${c.name}`, problems);
}

async function runAll(kind: BadInputCase['kind']): Promise<Problems> {
  const problems: Problems = [];
  for (const c of cases.filter((x) => x.kind === kind)) {
    if (c.kind === 'call') await runCall(c, problems);
    else if (c.kind === 'cli') await runCli(c, problems);
    else if (c.kind === 'http') await runHttp(c, problems);
    else await runIpc(c, problems);
  }
  return problems;
}

describe('bad input through the CLI, the HTTP bridge and the IPC gateway', () => {
  it('has at least 150 cases, most of them through more than one transport', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    const calls = cases.filter((c): c is CallCase => c.kind === 'call');
    const runs = calls.length * 2 + calls.filter((c) => c.cli).length + cases.length - calls.length;
    expect(runs).toBeGreaterThanOrEqual(300);
    expect(new Set(cases.map((c) => `${c.kind} ${c.name}`)).size).toBe(cases.length);
  });

  it('refuses every contract call over IPC and HTTP (and the CLI where it takes the input), changing nothing', async () => {
    expect(await runAll('call')).toEqual([]);
  }, 600_000);

  it('refuses every bad command line, profile file and database.yml, with exit 2 for a wrong command line and 1 otherwise', async () => {
    expect(await runAll('cli')).toEqual([]);
  }, 300_000);

  it('refuses bad tokens, hosts, origins, paths and bodies on the HTTP bridge with their status', async () => {
    expect(await runAll('http')).toEqual([]);
  }, 120_000);

  it('refuses foreign senders and malformed method names on the IPC gateway', async () => {
    expect(await runAll('ipc')).toEqual([]);
  }, 60_000);
});
