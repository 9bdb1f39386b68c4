export declare const TARGETS_BY_PLATFORM: Record<string, string[]>;

export interface DistPlanInput {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  which: (name: string) => string | null;
  configElectronDist: string | null;
  installedElectronDist: string | null;
  dirOnly: boolean;
  allowDownloads: boolean;
  requestedTargets: string[] | null;
}

export interface DistPlan {
  electronDist: string | null;
  env: Record<string, string>;
  targets: string[];
  leftOut: { target: string; reason: string }[];
  notes: string[];
  error: string | null;
}

export declare function planDist(input: DistPlanInput): DistPlan;
export declare function whichIn(path: string | undefined, exists: (path: string) => boolean, platform?: NodeJS.Platform): (name: string) => string | null;
