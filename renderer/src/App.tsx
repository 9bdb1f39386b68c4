import { Layout } from './components/Layout.tsx';
import { ErrorPanel } from './components/ErrorPanel.tsx';
import { Tenants } from './routes/Tenants.tsx';
import { Migrations } from './routes/Migrations.tsx';
import { Drift } from './routes/Drift.tsx';
import { Doctor } from './routes/Doctor.tsx';
import { Moves } from './routes/Moves.tsx';
import { MoveJobPage } from './routes/moves/MoveJobPage.tsx';
import { Jobs } from './routes/Jobs.tsx';
import { Loading } from './components/Loading.tsx';
import { Backups } from './routes/Backups.tsx';
import { Profiles } from './routes/Profiles.tsx';
import { ProfileEditor } from './routes/ProfileEditor.tsx';
import { RestoreJobPage } from './routes/restores/RestoreJobPage.tsx';
import { StartLayout } from './components/Layout.tsx';
import { useSessionInfo } from './api/hooks.ts';
import { useRoute } from './router/use-route.ts';
import { Suspense, lazy, useEffect } from 'react';
import type { Route } from './router/routes.ts';

// Loaded on demand: CodeMirror (the query editor) and recharts (the pages with charts) stay out of the main bundle.
const Query = lazy(() => import('./routes/Query.tsx').then((m) => ({ default: m.Query })));
const Overview = lazy(() => import('./routes/Overview.tsx').then((m) => ({ default: m.Overview })));
const TenantDetail = lazy(() => import('./routes/tenants/TenantDetail.tsx').then((m) => ({ default: m.TenantDetail })));
const Shards = lazy(() => import('./routes/Shards.tsx').then((m) => ({ default: m.Shards })));
const ShardDetail = lazy(() => import('./routes/ShardDetail.tsx').then((m) => ({ default: m.ShardDetail })));

const titles: Record<Route['name'], string> = {
  overview: 'Overview',
  tenants: 'Tenants',
  tenant: 'Website',
  migrations: 'Migrations',
  drift: 'Schema drift',
  shards: 'Shards',
  shard: 'Shard',
  doctor: 'Doctor',
  moves: 'Moves',
  move: 'Move job',
  jobs: 'Jobs',
  query: 'Query',
  backups: 'Backups',
  profiles: 'Profiles',
  'profile-form': 'Profile',
  restore: 'Restore job',
  'not-found': 'Not found',
};

export function App() {
  const route = useRoute();
  useEffect(() => {
    document.title =
      route.name === 'tenant'
        ? `Website ${route.id} · Shard Console`
        : route.name === 'shard'
          ? `${route.database} · Shard Console`
          : `${titles[route.name]} · Shard Console`;
  }, [route]);
  const session = useSessionInfo();
  if (session.data === undefined) {
    return (
      <StartLayout>
        {session.error !== undefined ? <ErrorPanel error={session.error} onRetry={session.refetch} /> : <Loading label="Connecting to the console…" />}
      </StartLayout>
    );
  }
  // No profile open yet: the start screen (and the profile form), without the cluster's pages.
  if (session.data.profile === null) {
    return <StartLayout>{route.name === 'profile-form' ? <ProfileEditor key={route.path ?? ''} path={route.path} /> : <Profiles />}</StartLayout>;
  }
  return (
    <Layout route={route}>
      <Suspense fallback={<Loading label="Loading the page…" />}>
        {route.name === 'profiles' && <Profiles />}
        {route.name === 'profile-form' && <ProfileEditor key={route.path ?? ''} path={route.path} />}
        {route.name === 'overview' && <Overview />}
        {route.name === 'tenants' && <Tenants />}
        {route.name === 'tenant' && <TenantDetail key={route.id} id={route.id} />}
        {route.name === 'migrations' && <Migrations run={route.run} />}
        {route.name === 'drift' && <Drift />}
        {route.name === 'shards' && <Shards />}
        {route.name === 'shard' && <ShardDetail key={route.database} database={route.database} />}
        {route.name === 'doctor' && <Doctor database={route.database} />}
        {route.name === 'moves' && <Moves />}
        {route.name === 'move' && <MoveJobPage key={route.jobId} jobId={route.jobId} />}
        {route.name === 'jobs' && <Jobs />}
        {route.name === 'restore' && <RestoreJobPage key={route.jobId} jobId={route.jobId} />}
        {route.name === 'query' && <Query />}
        {route.name === 'backups' && <Backups key={route.open ?? ''} open={route.open} />}
        {route.name === 'not-found' && <ErrorPanel error={new Error(`There is no page at ${route.path}. Use the navigation on the left.`)} />}
      </Suspense>
    </Layout>
  );
}
