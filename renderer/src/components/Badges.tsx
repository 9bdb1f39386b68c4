import { routeHref } from '../router/routes.ts';

export function ReachableBadge({ reachable, problem }: { reachable: boolean; problem: string | null }) {
  return reachable ? (
    <span className="badge badge--ok">reachable</span>
  ) : (
    <span className="badge badge--bad" title={problem ?? undefined}>
      unreachable
    </span>
  );
}

/** A website's shard; red when no configured database carries it (the website cannot be served). */
export function ShardBadge({ shard, configured, link = false }: { shard: string; configured: boolean; link?: boolean }) {
  const className = configured ? 'badge badge--shard' : 'badge badge--bad';
  const title = configured ? undefined : `No configured database carries the shard name "${shard}"`;
  const label = configured ? shard : `${shard} · not configured`;
  if (link) {
    return (
      <a className={className} href={routeHref({ name: 'tenants', shard })} title={title}>
        {label}
      </a>
    );
  }
  return (
    <span className={className} title={title}>
      {label}
    </span>
  );
}
