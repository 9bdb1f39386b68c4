import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { useSessionInfo } from '../api/hooks.ts';
import { navSection } from '../router/routes.ts';
import type { Route } from '../router/routes.ts';

const NAV = [
  { section: 'overview', href: '#/overview', label: 'Overview' },
  { section: 'tenants', href: '#/tenants', label: 'Tenants' },
  { section: 'moves', href: '#/moves', label: 'Moves' },
  { section: 'jobs', href: '#/jobs', label: 'Jobs' },
  { section: 'backups', href: '#/backups', label: 'Backups' },
  { section: 'shards', href: '#/shards', label: 'Shards' },
  { section: 'query', href: '#/query', label: 'Query' },
  { section: 'doctor', href: '#/doctor', label: 'Doctor' },
  { section: 'migrations', href: '#/migrations', label: 'Migrations' },
  { section: 'drift', href: '#/drift', label: 'Schema drift' },
] as const;

/** A new page starts at the top, with focus on it, as a full page load would (not on the first page). */
function usePageFocus(page: string): void {
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    window.scrollTo(0, 0);
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [page]);
}

/** The frame around every page: nav on the left with the connected profile, the page on the right. */
export function Layout({ route, children }: { route: Route; children: ReactNode }) {
  const session = useSessionInfo();
  const current = navSection(route);
  // The page, not its filters: picking a shard rewrites the address but is not a new page.
  usePageFocus(route.name === 'tenant' ? `tenant/${route.id}` : route.name);
  return (
    <div className="shell">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="sidebar__brand">Shard Console</div>
        <SidebarProfile session={session} onProfiles={route.name === 'profiles' || route.name === 'profile-form'} />
        <ul className="sidebar__links">
          {NAV.map((item) => (
            <li key={item.section}>
              <a className="sidebar__link" href={item.href} aria-current={current === item.section ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
        {session.data !== undefined && <div className="sidebar__version">v{session.data.version}</div>}
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

/** The open profile (read-only or not) and the way to switch it; or that there is no connection yet. */
function SidebarProfile({ session, onProfiles }: { session: ReturnType<typeof useSessionInfo>; onProfiles: boolean }) {
  return (
    <div className="sidebar__profile" data-testid="profile-name">
      <span className="sidebar__label">Profile</span>
      {session.data !== undefined ? (
        <>
          <span className="sidebar__profile-name" title={session.data.profileSource ?? undefined}>
            {session.data.profile}
          </span>
          {session.data.readOnly && <span className="badge badge--muted">read-only</span>}
          <a className="sidebar__switch" href="#/profiles" aria-current={onProfiles ? 'page' : undefined} data-testid="switch-profile">
            Switch profile…
          </a>
        </>
      ) : session.error !== undefined ? (
        <span className="sidebar__profile-name sidebar__profile-name--error">not connected</span>
      ) : (
        <span className="sidebar__profile-name sidebar__profile-name--pending">…</span>
      )}
    </div>
  );
}

/** The frame of the start screen: no cluster pages to navigate before a profile is open. */
export function StartLayout({ children }: { children: ReactNode }) {
  return (
    <div className="start">
      <header className="start__brand">Shard Console</header>
      <main id="main" className="start__content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
