export declare const INSTALL_HINT: string;

export interface FoundChromium {
  path: string;
  source: 'SC_CHROMIUM_PATH' | 'system' | 'playwright';
}

export declare function findChromium(options?: {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  playwright?: () => string | null;
}): FoundChromium | null;
