import { Layout } from './components/Layout.tsx';
import { ErrorPanel } from './components/ErrorPanel.tsx';
import { Overview } from './routes/Overview.tsx';
import { Tenants } from './routes/Tenants.tsx';
import { TenantDetail } from './routes/tenants/TenantDetail.tsx';
import { useRoute } from './router/use-route.ts';
import { useEffect } from 'react';
import type { Route } from './router/routes.ts';

const titles: Record<Route['name'], string> = {
  overview: 'Overview',
  tenants: 'Tenants',
  tenant: 'Website',
  'not-found': 'Not found',
};

export function App() {
  const route = useRoute();
  useEffect(() => {
    document.title = route.name === 'tenant' ? `Website ${route.id} · Shard Console` : `${titles[route.name]} · Shard Console`;
  }, [route]);
  return (
    <Layout route={route}>
      {route.name === 'overview' && <Overview />}
      {route.name === 'tenants' && <Tenants />}
      {route.name === 'tenant' && <TenantDetail key={route.id} id={route.id} />}
      {route.name === 'not-found' && (
        <ErrorPanel error={new Error(`There is no page at ${route.path}. Use the navigation on the left.`)} />
      )}
    </Layout>
  );
}
