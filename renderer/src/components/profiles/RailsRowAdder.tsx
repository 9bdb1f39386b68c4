import { useState } from 'react';
import type { DatabaseForm, ProfileForm } from '../../../../shared/contract.ts';
import { call } from '../../api/client.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';

type Listed = { status: 'idle' } | { status: 'reading' } | { status: 'read'; databases: DatabaseForm[]; key: string } | { status: 'error'; error: unknown };

/**
 * Adds a row over one of the database.yml's databases, shown with its values: saved unchanged, the row
 * writes only what it adds (a password, say) and the database.yml stays the source of the rest.
 */
export function RailsRowAdder({
  rails,
  profilePath,
  taken,
  onAdd,
}: {
  rails: NonNullable<ProfileForm['rails']>;
  profilePath: string;
  taken: readonly string[];
  onAdd: (row: DatabaseForm) => void;
}) {
  const [listed, setListed] = useState<Listed>({ status: 'idle' });
  const [chosen, setChosen] = useState('');
  // What was read belongs to one file, environment and profile path: after an edit it is read again.
  const key = JSON.stringify([rails, profilePath]);
  const read = async () => {
    setListed({ status: 'reading' });
    try {
      const { databases } = await call('profiles.railsDatabases', { rails, profilePath });
      setListed({ status: 'read', databases, key });
    } catch (error) {
      setListed({ status: 'error', error });
    }
  };
  const current = listed.status === 'read' && listed.key === key ? listed : null;
  const free = current?.databases.filter((d) => !taken.includes(d.shard)) ?? [];
  // The one chosen, or the first still free (the one just added is taken now).
  const pick = free.find((d) => d.shard === chosen) ?? free[0];
  const ready = rails.file.trim() !== '' && rails.environment.trim() !== '';
  return (
    <div className="form" data-testid="rails-row-adder">
      {current === null ? (
        <div>
          <button type="button" className="button" disabled={!ready || listed.status === 'reading'} onClick={() => void read()} data-testid="rails-rows-read">
            {listed.status === 'reading' ? 'Reading the database.yml…' : 'Override a database.yml database…'}
          </button>
        </div>
      ) : free.length === 0 ? (
        <p className="muted" data-testid="rails-rows-none">
          Every database of {rails.environment} in the database.yml has a row here.
        </p>
      ) : (
        <div className="database-row__fields">
          <label className="field">
            <span className="field__label">Database of {rails.environment}</span>
            <select className="select" value={pick?.shard ?? ''} onChange={(e) => setChosen(e.target.value)} data-testid="rails-row-choice">
              {free.map((d) => (
                <option key={d.shard} value={d.shard}>
                  {d.shard}: {d.host}:{d.port}/{d.database}
                </option>
              ))}
            </select>
          </label>
          <div>
            <button type="button" className="button" disabled={pick === undefined} onClick={() => pick && onAdd(pick)} data-testid="rails-row-add">
              Add its row
            </button>
          </div>
        </div>
      )}
      {listed.status === 'error' && <ErrorPanel error={listed.error} />}
    </div>
  );
}
