/*
 * How the desktop app starts and stops, apart from what it shows: one running app per user, windows
 * and quitting the way each platform expects, and the console closed before the process ends. Written
 * against the few `app` methods it needs, so tests drive it with a stand-in.
 */

/** The parts of Electron's `app` used here. */
export interface LifecycleApp {
  requestSingleInstanceLock(): boolean;
  on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): unknown;
  on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
}

/** The window a second launch brings forward. */
export interface FocusableWindow {
  isMinimized(): boolean;
  restore(): void;
  focus(): void;
}

/**
 * One app per user: a second launch hands over to the first (which brings its window forward, or opens
 * one) and quits. Returns whether this process is the one that runs.
 */
export function claimSingleInstance(app: LifecycleApp, showWindow: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', showWindow);
  return true;
}

/** Brings a window to the front, restoring it first when minimised. */
export function bringToFront(window: FocusableWindow): void {
  if (window.isMinimized()) window.restore();
  window.focus();
}

export interface PlatformLifecycleOptions {
  platform: NodeJS.Platform;
  windowCount(): number;
  createWindow(): void;
  /** Closes the console (pools, running jobs' bookkeeping); bounded by `shutdownTimeoutMs`. */
  shutdown(): Promise<void>;
  shutdownTimeoutMs?: number;
}

/**
 * Call once the app is ready. On macOS closing the last window leaves the app and its console running,
 * and activating it (the Dock icon) opens a window again; elsewhere closing the last window quits.
 * Quitting waits for `shutdown` once, whichever way the quit started (menu, last window, signal).
 */
export function followPlatformLifecycle(app: LifecycleApp, options: PlatformLifecycleOptions): void {
  app.on('window-all-closed', () => {
    if (options.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (options.windowCount() === 0) options.createWindow();
  });
  let state: 'running' | 'closing' | 'closed' = 'running';
  app.on('will-quit', (event) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    void withTimeout(options.shutdown(), options.shutdownTimeoutMs ?? 10_000).finally(() => {
      state = 'closed';
      app.quit();
    });
  });
}

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work.catch(() => {}), timeout]).finally(() => clearTimeout(timer));
}
