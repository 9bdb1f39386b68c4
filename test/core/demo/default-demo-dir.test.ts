import { describe, expect, it } from 'vitest';
import { defaultDemoDir } from '../../../electron/core/demo/default-demo-dir.ts';

describe('defaultDemoDir', () => {
  it('follows each OS convention for per-user app data', () => {
    expect(defaultDemoDir({ platform: 'linux', env: {}, home: '/home/ana', root: false })).toBe('/home/ana/.local/share/shard-console/demo');
    expect(defaultDemoDir({ platform: 'linux', env: { XDG_DATA_HOME: '/data/ana' }, home: '/home/ana', root: false })).toBe('/data/ana/shard-console/demo');
    expect(defaultDemoDir({ platform: 'linux', env: { XDG_DATA_HOME: 'relative' }, home: '/home/ana', root: false })).toBe(
      '/home/ana/.local/share/shard-console/demo',
    );
    expect(defaultDemoDir({ platform: 'darwin', env: {}, home: '/Users/ana', root: false })).toBe('/Users/ana/Library/Application Support/shard-console/demo');
    expect(defaultDemoDir({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' }, home: 'C:\\Users\\ana', root: false })).toBe(
      'C:\\Users\\ana\\AppData\\Local\\shard-console\\demo',
    );
  });

  it('uses a system folder the postgres user can reach when run as root', () => {
    expect(defaultDemoDir({ platform: 'linux', env: {}, home: '/root', root: true })).toBe('/var/lib/shard-console/demo');
  });
});
