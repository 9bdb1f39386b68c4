import { describe, expect, it, vi } from 'vitest';
import { bringToFront, claimSingleInstance, followPlatformLifecycle, type LifecycleApp } from '../../electron/shell/app-lifecycle.ts';

/** A stand-in for Electron's `app`: records listeners and quits; `emit` plays an event. */
function fakeApp(lock = true) {
  const listeners = new Map<string, Array<(event?: unknown) => void>>();
  const app = {
    quits: 0,
    requestSingleInstanceLock: () => lock,
    on(event: string, listener: (event?: unknown) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return app;
    },
    quit() {
      app.quits += 1;
      // Electron emits will-quit for every quit request that gets that far.
      const prevented = { value: false };
      for (const listener of listeners.get('will-quit') ?? []) listener({ preventDefault: () => (prevented.value = true) });
      if (!prevented.value) app.exited = true;
    },
    exited: false,
    emit(event: string) {
      for (const listener of listeners.get(event) ?? []) listener();
    },
    listening: (event: string) => (listeners.get(event) ?? []).length,
  };
  return app as typeof app & LifecycleApp;
}

describe('single instance', () => {
  it('the first launch runs and a second launch brings its window forward', () => {
    const app = fakeApp(true);
    const show = vi.fn();
    expect(claimSingleInstance(app, show)).toBe(true);
    expect(app.quits).toBe(0);
    app.emit('second-instance');
    expect(show).toHaveBeenCalledTimes(1);
  });

  it('a launch that does not get the lock quits without starting anything', () => {
    const app = fakeApp(false);
    expect(claimSingleInstance(app, vi.fn())).toBe(false);
    expect(app.quits).toBe(1);
    expect(app.listening('second-instance')).toBe(0);
  });

  it('restores a minimised window before focusing it', () => {
    const calls: string[] = [];
    bringToFront({ isMinimized: () => true, restore: () => calls.push('restore'), focus: () => calls.push('focus') });
    bringToFront({ isMinimized: () => false, restore: () => calls.push('restore'), focus: () => calls.push('focus') });
    expect(calls).toEqual(['restore', 'focus', 'focus']);
  });
});

describe('windows and quitting per platform', () => {
  function setUp(platform: NodeJS.Platform, shutdown: () => Promise<void> = async () => {}) {
    const app = fakeApp();
    let windows = 1;
    const createWindow = vi.fn(() => {
      windows += 1;
    });
    followPlatformLifecycle(app, { platform, windowCount: () => windows, createWindow, shutdown, shutdownTimeoutMs: 200 });
    return { app, createWindow, closeAll: () => ((windows = 0), app.emit('window-all-closed')) };
  }

  it('on macOS the app outlives its last window, and activating it opens a new one', async () => {
    const { app, createWindow, closeAll } = setUp('darwin');
    closeAll();
    expect(app.quits).toBe(0);
    app.emit('activate');
    expect(createWindow).toHaveBeenCalledTimes(1);
    app.emit('activate');
    expect(createWindow).toHaveBeenCalledTimes(1);
  });

  for (const platform of ['linux', 'win32'] as const) {
    it(`on ${platform} closing the last window quits, after the console is closed`, async () => {
      let closed = false;
      const { app, closeAll } = setUp(platform, async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        closed = true;
      });
      closeAll();
      expect(app.exited).toBe(false);
      await vi.waitFor(() => expect(app.exited).toBe(true));
      expect(closed).toBe(true);
    });
  }

  it('shuts the console down once however many quits are asked for, and quits even when it hangs', async () => {
    const shutdown = vi.fn(() => new Promise<void>(() => {}));
    const { app } = setUp('linux', shutdown);
    app.quit();
    app.quit();
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(app.exited).toBe(false);
    await vi.waitFor(() => expect(app.exited).toBe(true), { timeout: 2_000 });
  });
});
