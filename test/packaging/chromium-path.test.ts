import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../scripts/chromium-path.mjs';

/* Where `npm test` and playwright.config.ts take their Chromium from, in order. */

const dir = mkdtempSync(join(os.tmpdir(), 'shard-console-chromium-'));
const executable = (name: string): string => {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
};
const custom = executable('my-chrome');
const onPath = executable('chromium');
writeFileSync(join(dir, 'google-chrome'), 'not executable');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(process.platform === 'linux')('finding Chromium', () => {
  const none = () => null;

  it('takes SC_CHROMIUM_PATH first, and fails on one that is not an executable', () => {
    expect(findChromium({ env: { SC_CHROMIUM_PATH: custom, PATH: dir }, playwright: none })).toEqual({ path: custom, source: 'SC_CHROMIUM_PATH' });
    expect(() => findChromium({ env: { SC_CHROMIUM_PATH: join(dir, 'google-chrome') }, playwright: none })).toThrow(/not an executable/);
  });

  it("then the system's, on PATH", () => {
    expect(findChromium({ env: { PATH: dir }, playwright: none })).toEqual({ path: onPath, source: 'system' });
  });

  it("then Playwright's own download; otherwise nothing", () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const found = findChromium({ env: { PATH: empty }, platform: 'darwin', playwright: () => '/cache/chrome' });
    expect(found).toEqual({ path: '/cache/chrome', source: 'playwright' });
    expect(findChromium({ env: { PATH: empty }, platform: 'darwin', playwright: none })).toBeNull();
  });
});
