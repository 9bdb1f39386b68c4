import { describe, expect, it } from 'vitest';
import { planDist, whichIn, type DistPlanInput } from '../../scripts/dist-plan.mjs';

/*
 * What `npm run dist` decides before electron-builder runs: which Electron it packs, which installers
 * this machine can build from local tools, and what it says about the rest.
 */

function input(overrides: Partial<DistPlanInput> & { tools?: string[] } = {}): DistPlanInput {
  const tools = new Set(overrides.tools ?? []);
  return {
    platform: 'linux',
    env: { ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' },
    which: (name) => (tools.has(name) ? `/usr/bin/${name}` : null),
    configElectronDist: null,
    installedElectronDist: null,
    dirOnly: false,
    allowDownloads: false,
    requestedTargets: null,
    ...overrides,
  };
}

describe('the Electron that is packed', () => {
  it('takes electronDist from the config first, then ELECTRON_OVERRIDE_DIST_PATH, then the installed binary', () => {
    expect(planDist(input({ configElectronDist: '/cfg', installedElectronDist: '/nm', dirOnly: true })).electronDist).toBe('/cfg');
    expect(planDist(input({ installedElectronDist: '/nm', dirOnly: true })).electronDist).toBe('/opt/electron');
    expect(planDist(input({ env: {}, installedElectronDist: '/nm', dirOnly: true })).electronDist).toBe('/nm');
  });

  it('refuses to start without one unless downloads are allowed', () => {
    const offline = planDist(input({ env: {}, dirOnly: true }));
    expect(offline.error).toMatch(/No Electron distribution: set ELECTRON_OVERRIDE_DIST_PATH/);
    const online = planDist(input({ env: {}, dirOnly: true, allowDownloads: true }));
    expect(online.error).toBeNull();
    expect(online.electronDist).toBeNull();
    expect(online.targets).toEqual(['dir']);
  });
});

describe('installers from local tools', () => {
  it('builds deb and rpm with the system fpm and rpmbuild, and leaves AppImage out without its toolset', () => {
    const plan = planDist(input({ tools: ['fpm', 'rpmbuild', '7za'] }));
    expect(plan.targets).toEqual(['deb', 'rpm']);
    expect(plan.env).toEqual({ USE_SYSTEM_FPM: 'true', ELECTRON_BUILDER_7ZIP_PATH: '/usr/bin/7za' });
    expect(plan.leftOut).toEqual([{ target: 'AppImage', reason: expect.stringMatching(/APPIMAGE_TOOLS_PATH.*--allow-downloads/) }]);
  });

  it('builds the AppImage from APPIMAGE_TOOLS_PATH', () => {
    const plan = planDist(input({ env: { ELECTRON_OVERRIDE_DIST_PATH: '/e', APPIMAGE_TOOLS_PATH: '/tools/appimage' }, requestedTargets: ['AppImage'] }));
    expect(plan.targets).toEqual(['AppImage']);
    expect(plan.error).toBeNull();
  });

  it('never builds an rpm without rpmbuild, even with downloads allowed', () => {
    const plan = planDist(input({ tools: ['fpm'], allowDownloads: true, requestedTargets: ['rpm'] }));
    expect(plan.targets).toEqual([]);
    expect(plan.leftOut[0]?.reason).toMatch(/rpmbuild \(apt-get install rpm\)/);
    expect(plan.error).toMatch(/--dir/);
  });

  it('lets electron-builder download missing tools only when asked to, and says which', () => {
    const plan = planDist(input({ allowDownloads: true }));
    expect(plan.targets).toEqual(['AppImage', 'deb']);
    expect(plan.notes).toEqual(expect.arrayContaining(['deb: electron-builder downloads fpm', 'AppImage: electron-builder downloads the AppImage toolset']));
    expect(plan.leftOut.map((l) => l.target)).toEqual(['rpm']);
  });

  it('offers each installer only on the platform that can build it', () => {
    expect(planDist(input({ requestedTargets: ['dmg', 'nsis'] })).leftOut.map((l) => l.reason)).toEqual([
      'not buildable on linux (builds here: AppImage, deb, rpm)',
      'not buildable on linux (builds here: AppImage, deb, rpm)',
    ]);
    const mac = planDist(input({ platform: 'darwin', tools: ['hdiutil', 'dmgbuild'] }));
    expect(mac.targets).toEqual(['dmg']);
    expect(mac.env.CUSTOM_DMGBUILD_PATH).toBe('/usr/bin/dmgbuild');
    const windows = planDist(
      input({
        platform: 'win32',
        tools: ['7za'],
        env: {
          ELECTRON_OVERRIDE_DIST_PATH: 'C:\\electron',
          ELECTRON_BUILDER_NSIS_DIR: 'C:\\nsis',
          ELECTRON_BUILDER_NSIS_RESOURCES_DIR: 'C:\\nsis-res',
          ELECTRON_BUILDER_RCEDIT_PATH: 'C:\\rcedit',
        },
      }),
    );
    expect(windows.targets).toEqual(['nsis']);
  });

  it('finds tools on PATH', () => {
    const which = whichIn('/a:/b', (path) => path === '/b/fpm', 'linux');
    expect(which('fpm')).toBe('/b/fpm');
    expect(which('rpmbuild')).toBeNull();
  });
});
