import { useState } from 'react';
import type { FormEvent } from 'react';
import type { ProfileSource, ProfilesListResult } from '../../../shared/contract.ts';
import { call } from '../api/client.ts';
import { openProfile, useProfilesList } from '../api/profile-hooks.ts';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { Loading } from '../components/Loading.tsx';
import { RailsEnvironmentPicker } from '../components/profiles/RailsEnvironmentPicker.tsx';
import { routeHref } from '../router/routes.ts';
import { openedAgo, sourceLabel } from '../view/profile-form.ts';

/**
 * The start screen: open a JSON profile or a Rails database.yml, a recent or saved profile, or the
 * embedded demo; create or edit a profile. Also where "Switch profile" leads once one is open.
 */
export function Profiles() {
  const list = useProfilesList();
  const [opening, setOpening] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  async function open(source: ProfileSource) {
    setOpening(sourceLabel(source));
    setError(undefined);
    try {
      await openProfile(source);
    } catch (e) {
      setError(e);
      setOpening(null);
    }
  }

  return (
    <div className="page page--profiles" data-testid="start-screen">
      <header className="page__header">
        <h1>{list.data?.current ? 'Switch profile' : 'Open a cluster'}</h1>
        <div className="page__actions">
          <a className="button button--primary" href={routeHref({ name: 'profile-form', path: null })} data-testid="new-profile">
            New profile…
          </a>
        </div>
      </header>
      {list.data?.current && (
        <p className="muted" data-testid="current-profile">
          Open now: <strong>{list.data.current.name}</strong> ({sourceLabel(list.data.current.source)}){list.data.current.readOnly ? ', read-only' : ''}.
        </p>
      )}
      {opening !== null && <Loading label={`Opening ${opening}…`} />}
      {error !== undefined && <ErrorPanel error={error} />}
      {list.error !== undefined && <ErrorPanel error={list.error} onRetry={list.refetch} />}
      <div className="profiles-grid">
        <OpenFileCard onOpen={open} busy={opening !== null} />
        <section className="card" aria-labelledby="rails-heading">
          <h2 id="rails-heading" className="card__title">
            Rails config/database.yml
          </h2>
          <RailsEnvironmentPicker onOpen={(file, environment) => void open({ kind: 'rails', file, environment })} busy={opening !== null} />
        </section>
        {list.data && <DemoCard demo={list.data.demo} onOpen={() => void open({ kind: 'demo' })} busy={opening !== null} />}
      </div>
      {list.data === undefined && list.error === undefined && <Loading label="Reading recent profiles…" />}
      {list.data && <ProfileLists data={list.data} onOpen={(s) => void open(s)} onForgot={list.refetch} busy={opening !== null} />}
    </div>
  );
}

function OpenFileCard({ onOpen, busy }: { onOpen: (source: ProfileSource) => Promise<void>; busy: boolean }) {
  const [path, setPath] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (path.trim() !== '') void onOpen({ kind: 'profile', path: path.trim() });
  };
  return (
    <section className="card" aria-labelledby="open-heading">
      <h2 id="open-heading" className="card__title">
        Profile file
      </h2>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span className="field__label">Path of a JSON profile on this machine</span>
          <input
            className="input mono"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/home/me/.config/shard-console/prod.json"
            data-testid="open-profile-path"
          />
        </label>
        <div>
          <button type="submit" className="button button--primary" disabled={busy || path.trim() === ''} data-testid="open-profile">
            Open
          </button>
        </div>
      </form>
    </section>
  );
}

function DemoCard({ demo, onOpen, busy }: { demo: ProfilesListResult['demo']; onOpen: () => void; busy: boolean }) {
  return (
    <section className="card" aria-labelledby="demo-heading">
      <h2 id="demo-heading" className="card__title">
        Embedded demo
      </h2>
      <p className="muted">Three local PostgreSQL servers with PWB's schema and seeded websites, for trying the console without a cluster of your own.</p>
      {demo.note !== null && <p className="muted">{demo.note}</p>}
      <button type="button" className="button" onClick={onOpen} disabled={busy || !demo.available} data-testid="open-demo">
        {demo.running ? 'Open the running demo' : 'Start the demo'}
      </button>
    </section>
  );
}

function ProfileLists({ data, onOpen, onForgot, busy }: { data: ProfilesListResult; onOpen: (s: ProfileSource) => void; onForgot: () => void; busy: boolean }) {
  return (
    <div className="profiles-grid">
      <RecentProfiles recent={data.recent} onOpen={onOpen} onForgot={onForgot} busy={busy} />
      <SavedProfiles data={data} onOpen={onOpen} busy={busy} />
    </div>
  );
}

type RecentProfile = ProfilesListResult['recent'][number];

function RecentProfiles({
  recent,
  onOpen,
  onForgot,
  busy,
}: {
  recent: RecentProfile[];
  onOpen: (s: ProfileSource) => void;
  onForgot: () => void;
  busy: boolean;
}) {
  const [error, setError] = useState<unknown>(undefined);
  const forget = async (source: ProfileSource) => {
    try {
      await call('profiles.forget', { source });
      onForgot();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="card" aria-labelledby="recent-heading">
      <h2 id="recent-heading" className="card__title">
        Recent
      </h2>
      {error !== undefined && <ErrorPanel error={error} />}
      {recent.length === 0 ? (
        <p className="muted">Nothing opened yet.</p>
      ) : (
        <ul className="profile-list" data-testid="recent-profiles">
          {recent.map((r) => (
            <RecentProfileItem key={sourceLabel(r.source)} r={r} onOpen={onOpen} onForget={(source) => void forget(source)} busy={busy} />
          ))}
        </ul>
      )}
    </section>
  );
}

function RecentProfileItem({
  r,
  onOpen,
  onForget,
  busy,
}: {
  r: RecentProfile;
  onOpen: (s: ProfileSource) => void;
  onForget: (s: ProfileSource) => void;
  busy: boolean;
}) {
  return (
    <li className={`profile-list__item${r.exists ? '' : ' profile-list__item--gone'}`}>
      <button
        type="button"
        className="profile-list__open"
        onClick={() => onOpen(r.source)}
        disabled={busy || !r.exists}
        title={r.exists ? undefined : 'The file is gone'}
      >
        <span className="profile-list__name">{r.name}</span>
        <span className="profile-list__where mono">{sourceLabel(r.source)}</span>
        <span className="muted profile-list__when">{r.exists ? openedAgo(r.openedAt) : 'file not found'}</span>
      </button>
      {r.source.kind === 'profile' && r.exists && (
        <a className="button button--small" href={routeHref({ name: 'profile-form', path: r.source.path })}>
          Edit
        </a>
      )}
      <button type="button" className="button button--small" onClick={() => onForget(r.source)} aria-label={`Forget ${r.name}`}>
        Forget
      </button>
    </li>
  );
}

function SavedProfiles({ data, onOpen, busy }: { data: ProfilesListResult; onOpen: (s: ProfileSource) => void; busy: boolean }) {
  return (
    <section className="card" aria-labelledby="saved-heading">
      <h2 id="saved-heading" className="card__title">
        Saved by the app
      </h2>
      <p className="muted mono profile-list__dir">{data.profilesDir}</p>
      {data.saved.length === 0 ? (
        <p className="muted">No profile saved here yet.</p>
      ) : (
        <ul className="profile-list" data-testid="saved-profiles">
          {data.saved.map((p) => (
            <li key={p.path} className="profile-list__item">
              <button type="button" className="profile-list__open" onClick={() => onOpen({ kind: 'profile', path: p.path })} disabled={busy}>
                <span className="profile-list__name">{p.name}</span>
                <span className="profile-list__where mono">{p.path}</span>
              </button>
              <a className="button button--small" href={routeHref({ name: 'profile-form', path: p.path })}>
                Edit
              </a>
            </li>
          ))}
        </ul>
      )}
      <p className="muted">{data.secretStorageNote}</p>
    </section>
  );
}
