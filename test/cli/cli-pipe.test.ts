import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateCluster, type PrivateCluster } from '../support/private-cluster.ts';

/*
 * `shard-console ... --json | jq` must get the whole document. Node writes to a pipe asynchronously,
 * and process.exit() dropped whatever the pipe had not taken: readers got the first 64 KiB. The
 * reader here waits a second before reading, so the pipe is full long before the CLI finishes.
 */

const bin = fileURLToPath(new URL('../../bin/shard-console.js', import.meta.url));
const PIPE_BUFFER = 64 * 1024;

let pc: PrivateCluster;

function throughSlowPipe(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', `"${process.execPath}" "${bin}" ${quoted} | (sleep 1; cat)`],
      { env: { ...pc.env, SHARD_CONSOLE_PROFILE: undefined } as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 },
      (_error, stdout, stderr) => resolve({ stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  pc = await startPrivateCluster({ websites: 9 });
  const primary = await pc.client('default');
  try {
    // Enough websites with long names that one page of them is well over a pipe's buffer.
    await primary.query(
      `INSERT INTO pwb_websites (subdomain, created_at, updated_at)
       SELECT 'pipe-test-website-with-a-rather-long-subdomain-' || g, now(), now() FROM generate_series(1, 600) g`,
    );
  } finally {
    await primary.end();
  }
}, 240_000);

afterAll(async () => {
  await pc?.stop();
});

describe('--json through a pipe', () => {
  it('delivers the whole document when it is larger than the pipe buffer', async () => {
    const { stdout, stderr } = await throughSlowPipe(['tenants', '--limit', '500', '--json', '--profile', pc.cluster.profilePath]);
    expect(stdout.length, stderr).toBeGreaterThan(PIPE_BUFFER);
    const page = JSON.parse(stdout);
    expect(page.items).toHaveLength(500);
    expect(page.total).toBeGreaterThanOrEqual(600);
  });

  it('delivers the whole error envelope on a failure too', async () => {
    const { stdout } = await throughSlowPipe(['tenant', '99999', '--json', '--profile', pc.cluster.profilePath]);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { code: 'WEBSITE_NOT_FOUND' } });
  });

  it('ends quietly when the reader stops early (| head)', async () => {
    const quoted = ['tenants', '--limit', '500', '--json', '--profile', pc.cluster.profilePath].map((a) => `'${a}'`).join(' ');
    const result = await new Promise<{ stderr: string }>((resolve) =>
      execFile('/bin/sh', ['-c', `"${process.execPath}" "${bin}" ${quoted} | head -c 100 > /dev/null`], { env: pc.env }, (_error, _stdout, stderr) =>
        resolve({ stderr }),
      ),
    );
    expect(result.stderr).not.toContain('EPIPE');
  });

  it('delivers the document when the reader of its progress (stderr) went away before the first line', async () => {
    // stderr into a pipe nobody reads from: its first progress line would meet EPIPE.
    const quoted = ['sizes', '--json', '--profile', pc.cluster.profilePath].map((a) => `'${a}'`).join(' ');
    const result = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        '/bin/sh',
        ['-c', `exec 3>&1; { "${process.execPath}" "${bin}" ${quoted} 2>&1 1>&3 3>&- | true; } 3>&1; echo "exit=$?" >&2`],
        { env: pc.env, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout) => resolve({ code: error ? 1 : 0, stdout }),
      ),
    );
    expect(JSON.parse(result.stdout).databases.length).toBeGreaterThan(0);
  });
});
