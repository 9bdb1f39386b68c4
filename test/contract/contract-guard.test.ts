import { describe, expect, it, vi } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contract, methodNames } from '../../shared/contract.ts';
import { createHandlers } from '../../electron/core/dispatch/handlers.ts';
import type { ConsoleContext } from '../../electron/core/console-context.ts';

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: { invoke: vi.fn(), on: vi.fn(), removeListener: vi.fn() },
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
  it('names the same methods in the contract, the handler map and the preload allowlist', async () => {
    const handlers = createHandlers({} as ConsoleContext);
    const { preloadAllowlist } = await import('../../electron/shell/preload.ts');
    const contractNames = Object.keys(contract).sort();
    expect(Object.keys(handlers).sort()).toEqual(contractNames);
    expect([...preloadAllowlist].sort()).toEqual(contractNames);
    expect([...methodNames].sort()).toEqual(contractNames);
    expect(contractNames.length).toBeGreaterThanOrEqual(5);
  });
});

describe('runtime boundaries', () => {
  it('keeps electron out of the core and the CLI', () => {
    const offenders = [...sourceFiles('electron/core'), ...sourceFiles('electron/cli')].filter((f) => importsOf(f).some((i) => i === 'electron' || i.startsWith('electron/')));
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
