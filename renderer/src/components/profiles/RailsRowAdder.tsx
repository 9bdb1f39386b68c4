import { useState } from 'react';
import type { DatabaseForm, ProfileForm } from '../../../../shared/contract.ts';
import type { RailsDatabases } from '../../api/profile-hooks.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';

/**
 * Adds a row over one of the database.yml's databases, shown with its values: saved unchanged, the row
 * writes only what it adds (a password, say) and the database.yml stays the source of the rest.
 */
export function RailsRowAdder({
  rails,
  yml,
  taken,
  onAdd,
}: {
  rails: NonNullable<ProfileForm['rails']>;
  yml: RailsDatabases;
  taken: readonly string[];
  onAdd: (row: DatabaseForm) => void;
}) {
  const [chosen, setChosen] = useState('');
  if (yml.error !== undefined) return <ErrorPanel error={yml.error} />;
  if (yml.databases === null) {
    return (
      <p className="muted" data-testid="rails-rows-reading">
        {yml.reading ? 'Reading the database.yml…' : 'Give the database.yml and its environment to override one of its databases here.'}
      </p>
    );
  }
  const free = yml.databases.filter((d) => !taken.includes(d.shard));
  if (free.length === 0) {
    return (
      <p className="muted" data-testid="rails-rows-none">
        Every database of {rails.environment} in the database.yml has a row here.
      </p>
    );
  }
  // The one chosen, or the first still free (the one just added is taken now).
  const pick = free.find((d) => d.shard === chosen) ?? free[0]!;
  return (
    <div className="database-row__fields" data-testid="rails-row-adder">
      <label className="field">
        <span className="field__label">Override a database of {rails.environment} in the database.yml</span>
        <select className="select" value={pick.shard} onChange={(e) => setChosen(e.target.value)} data-testid="rails-row-choice">
          {free.map((d) => (
            <option key={d.shard} value={d.shard}>
              {d.shard}: {d.host}:{d.port}/{d.database}
            </option>
          ))}
        </select>
      </label>
      <div>
        <button type="button" className="button" onClick={() => onAdd(pick)} data-testid="rails-row-add">
          Add its row
        </button>
      </div>
    </div>
  );
}
