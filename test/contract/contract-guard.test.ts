import { describe, expect, it, vi } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contract, methodNames } from '../../shared/contract.ts';
import { createHandlers } from '../../electron/core/dispatch/handlers.ts';
import { ConsoleSession } from '../../electron/core/session/console-session.ts';
import { profileHandlers } from '../../electron/core/session/profile-handlers.ts';
import { memorySecretStore } from '../../electron/core/config/secret-store.ts';
import type { ConsoleContext } from '../../electron/core/console-context.ts';

const exposed = vi.hoisted(() => ({ api: null as null | { invoke: (...args: unknown[]) => Promise<unknown> }, sent: [] as unknown[][] }));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (_name: string, api: never) => void (exposed.api = api) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => (exposed.sent.push(args), { ok: true, result: {} }),
    on: vi.fn(),
    removeListener: vi.fn(),
    send: vi.fn(),
  },
}));

const root = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.config.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);
}

describe('one contract', () => {
  it('has exactly one handler per contract method: the console answers all but the profile methods, the session those', () => {
    const handlers = createHandlers({} as ConsoleContext);
    const session = new ConsoleSession({ dataDir: '/nonexistent', env: {}, secrets: memorySecretStore(), secretStorage: 'none' });
    const sessionNames = Object.keys(profileHandlers(session));
    const contractNames = Object.keys(contract).sort();
    expect(new Set([...Object.keys(handlers), ...sessionNames]).size).toBe(contractNames.length);
    expect([...new Set([...Object.keys(handlers), ...sessionNames])].sort()).toEqual(contractNames);
    expect(Object.keys(handlers).filter((m) => m.startsWith('profiles.'))).toEqual([]);
    expect(sessionNames.filter((m) => !m.startsWith('profiles.'))).toEqual(['session.info']);
    expect([...methodNames].sort()).toEqual(contractNames);
    expect(contractNames.length).toBeGreaterThanOrEqual(5);
  });

  it('lets the page call every contract method through the preload, and nothing else reaches IPC', async () => {
    // From the other side: what the exposed bridge actually forwards, not the allowlist compared with itself.
    await import('../../electron/shell/preload.ts');
    const api = exposed.api!;
    for (const name of Object.keys(contract)) await api.invoke(name, {});
    expect(exposed.sent.map((args) => args[1]).sort()).toEqual(Object.keys(contract).sort());
    exposed.sent.length = 0;
    for (const name of ['constructor', 'toString', '__proto__', 'jobs.delete', 'tenants.list ', 'TENANTS.LIST', '']) {
      expect(await api.invoke(name, {}), name).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
    expect(exposed.sent).toEqual([]);
  });
});

/**
 * What the CLI and the desktop shell may use of the core: transport plumbing, never a service. Every
 * cluster operation is a contract method reached through the dispatcher, so each transport gets the
 * same validation, refusals and results. The demo launcher and `migration new` work without a cluster.
 */
const TRANSPORT_MODULES = [
  /^core\/dispatch\/(console-dispatcher|dispatcher|control-characters)\.ts$/,
  // The session, and where its window may write (the shell's save dialog grants paths there).
  /^core\/session\/(console-session|write-paths)\.ts$/,
  /^core\/config\//,
  /^core\/console-context\.ts$/,
  /^core\/http\/http-bridge\.ts$/,
  /^core\/app-paths\.ts$/,
  /^core\/user-data-dir\.ts$/,
  /^core\/log\//,
  /^core\/demo\/run-demo\.ts$/,
  /^core\/migrations\/(create-migration-file|migration-files|migrations-dir)\.ts$/,
];

describe('runtime boundaries', () => {
  it('lets the CLI and the shell reach the core only through the dispatcher', () => {
    const offenders = [...sourceFiles('electron/cli'), ...sourceFiles('electron/shell')].flatMap((file) =>
      importsOf(file)
        .filter((i) => i.startsWith('.'))
        .map((i) => relative(join(root, 'electron'), join(root, file, '..', i)))
        .filter((target) => target.startsWith('core/') && !TRANSPORT_MODULES.some((allowed) => allowed.test(target)))
        .map((target) => `${file} -> ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps electron out of the core and the CLI', () => {
    const offenders = [...sourceFiles('electron/core'), ...sourceFiles('electron/cli')].filter((f) =>
      importsOf(f).some((i) => i === 'electron' || i.startsWith('electron/')),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps shared/ free of Node, DOM-only and driver modules', () => {
    const offenders = sourceFiles('shared').filter((f) => importsOf(f).some((i) => /^(node:|electron|pg|fs|path|react)/.test(i)));
    expect(offenders).toEqual([]);
  });

  it('keeps renderer/ free of Node and Electron modules', () => {
    const offenders = sourceFiles('renderer/src').filter((f) => importsOf(f).some((i) => /^(node:|electron|pg$|fs$|path$)/.test(i)));
    expect(offenders.map((f) => relative(root, join(root, f)))).toEqual([]);
  });
});
