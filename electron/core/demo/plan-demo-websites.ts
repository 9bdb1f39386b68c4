/*
 * Which demo website lives where. Decided in JS from a seeded generator so the split is easy to read
 * and identical on every run; the rows themselves are generated inside PostgreSQL.
 */

export interface PlannedWebsite {
  id: number;
  subdomain: string;
  /** What `pwb_websites.shard_name` holds: NULL for a few default tenants, as in PWB. */
  shardName: string | null;
  /** Where its rows live: `shard_name`, with NULL meaning `default`. */
  database: string;
  large: boolean;
  customDomain: string | null;
}

export interface DemoWebsitePlan {
  websites: PlannedWebsite[];
  largeIds: number[];
}

export const DEFAULT_SHARD = 'default';
const DEFAULT_SHARE = 0.55;
const NULL_SHARD_SHARE = 0.05;
const CUSTOM_DOMAIN_SHARE = 0.15;
const MIN_LARGE_TENANTS = 3;

/**
 * `default` takes ~55% of the websites; the shards share the rest with weights 1, 0.8, 0.64, ...
 * (25% / 20% with two shards). One large tenant goes to each database, at least three in all.
 */
export function planDemoWebsites(options: { websites: number; seed: number; shardNames: string[] }): DemoWebsitePlan {
  const { websites: count, seed, shardNames } = options;
  const random = mulberry32(seed);
  const databases = [DEFAULT_SHARD, ...shardNames];
  const largeCount = Math.min(count, Math.max(MIN_LARGE_TENANTS, databases.length));
  const largeDatabase = new Map<number, string>();
  for (let k = 0; k < largeCount; k += 1) {
    // Spread through the id range so large tenants are not all on the first page of a listing.
    largeDatabase.set(1 + Math.floor((k * count) / largeCount), databases[k % databases.length] ?? DEFAULT_SHARD);
  }
  const weights = shardNames.map((_, i) => 0.8 ** i);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const width = Math.max(4, String(count).length);

  const websites: PlannedWebsite[] = [];
  for (let id = 1; id <= count; id += 1) {
    const draw = random();
    const nullDraw = random();
    const domainDraw = random();
    let database = largeDatabase.get(id) ?? pickDatabase(draw, shardNames, weights, weightSum);
    if (!databases.includes(database)) database = DEFAULT_SHARD;
    const large = largeDatabase.has(id);
    const subdomain = `agency-${String(id).padStart(width, '0')}`;
    websites.push({
      id,
      subdomain,
      shardName: database === DEFAULT_SHARD && !large && nullDraw < NULL_SHARD_SHARE ? null : database,
      database,
      large,
      customDomain: large || domainDraw < CUSTOM_DOMAIN_SHARE ? `www.${subdomain}-homes.example` : null,
    });
  }
  // PWB treats NULL as `default`; make sure even a small demo shows one.
  if (!websites.some((w) => w.shardName === null)) {
    const candidate = websites.find((w) => w.database === DEFAULT_SHARD && !w.large);
    if (candidate) candidate.shardName = null;
  }
  return { websites, largeIds: [...largeDatabase.keys()] };
}

function pickDatabase(draw: number, shardNames: string[], weights: number[], weightSum: number): string {
  if (shardNames.length === 0 || draw < DEFAULT_SHARE) return DEFAULT_SHARD;
  let point = ((draw - DEFAULT_SHARE) / (1 - DEFAULT_SHARE)) * weightSum;
  for (const [i, name] of shardNames.entries()) {
    point -= weights[i] ?? 0;
    if (point < 0) return name;
  }
  return shardNames[shardNames.length - 1] ?? DEFAULT_SHARD;
}

/** Small, well-known seeded generator: the same seed gives the same plan everywhere. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
