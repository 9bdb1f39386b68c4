import { useState } from 'react';
import type { FormEvent } from 'react';
import type { MethodResult } from '../../../../shared/contract.ts';
import { call } from '../../api/client.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';

type Environments = MethodResult<'profiles.railsEnvironments'>;

/** Reads a database.yml's environments; a new read forgets the last one. */
function useRailsEnvironments() {
  const [read, setRead] = useState<Environments | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [reading, setReading] = useState(false);

  async function readFile(file: string) {
    setReading(true);
    setError(undefined);
    setRead(null);
    try {
      setRead(await call('profiles.railsEnvironments', { file }));
    } catch (e) {
      setError(e);
    } finally {
      setReading(false);
    }
  }
  return { read, error, reading, readFile };
}

/** A database.yml's path, then its environments with the databases each names: pick one to open or import. */
export function RailsEnvironmentPicker({
  onOpen,
  busy,
  action = 'Open',
}: {
  onOpen: (file: string, environment: string) => void;
  busy: boolean;
  action?: string;
}) {
  const [file, setFile] = useState('');
  const { read, error, reading, readFile } = useRailsEnvironments();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void readFile(file.trim());
  };

  return (
    <div className="form">
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span className="field__label">Path of the app's config/database.yml (ERB and ENV are read as Rails reads them)</span>
          <input
            className="input mono"
            value={file}
            onChange={(e) => setFile(e.target.value)}
            placeholder="/srv/pwb/config/database.yml"
            data-testid="rails-file"
          />
        </label>
        <div>
          <button type="submit" className="button" disabled={reading || file.trim() === ''} data-testid="rails-read">
            {reading ? 'Reading…' : 'Read environments'}
          </button>
        </div>
      </form>
      {error !== undefined && <ErrorPanel error={error} />}
      {read !== null && <EnvironmentList read={read} onOpen={onOpen} busy={busy} action={action} />}
    </div>
  );
}

function EnvironmentList({
  read,
  onOpen,
  busy,
  action,
}: {
  read: Environments;
  onOpen: (file: string, environment: string) => void;
  busy: boolean;
  action: string;
}) {
  return (
    <ul className="profile-list" data-testid="rails-environments">
      {read.environments.map((env) => (
        <li key={env.name} className="profile-list__item" data-environment={env.name}>
          <div className="profile-list__open profile-list__open--static">
            <span className="profile-list__name">{env.name}</span>
            {env.error === null ? (
              <span className="profile-list__where mono">{env.databases.map((d) => `${d.shard}: ${d.host}:${d.port}/${d.database}`).join(' · ')}</span>
            ) : (
              <span className="profile-list__problem">{env.error.message}</span>
            )}
          </div>
          <button type="button" className="button button--small" disabled={busy || env.error !== null} onClick={() => onOpen(read.file, env.name)}>
            {action} {env.name}
          </button>
        </li>
      ))}
    </ul>
  );
}
