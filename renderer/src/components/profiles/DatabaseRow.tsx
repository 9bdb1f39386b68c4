import { useState } from 'react';
import type { ConnectionTestResult, DatabaseForm, PasswordField, ProfileForm } from '../../../../shared/contract.ts';
import { formatDuration } from '../../../../shared/format.ts';
import { call } from '../../api/client.ts';
import { describeError } from '../../view/error-text.ts';
import { completeRailsImport, renameRow } from '../../view/profile-form.ts';

interface DatabaseRowProps {
  readonly db: DatabaseForm;
  readonly index: number;
  readonly secretStorage: 'keychain' | 'none';
  /** The file the profile is saved to: a relative CA certificate is read from its folder. */
  readonly profilePath: string | null;
  /** The form's database.yml import: a row is tested over it, as the loader merges the saved entry. */
  readonly rails: ProfileForm['rails'];
  /** The database.yml's databases as rows, when read: a row renamed to one of them is shown from it. */
  readonly railsRows: readonly DatabaseForm[] | null;
  readonly onChange: (db: DatabaseForm) => void;
  readonly onRemove: (() => void) | null;
}

/** One database of the profile: where it is, who connects, where the password comes from, and a test. */
export function DatabaseRow({ db, index, secretStorage, profilePath, rails, railsRows, onChange, onRemove }: DatabaseRowProps) {
  const set = (patch: Partial<DatabaseForm>) => onChange({ ...db, ...patch });
  const id = (field: string) => `db-${index}-${field}`;
  return (
    <fieldset className="database-row" data-testid="database-row" data-shard={db.shard}>
      <legend className="database-row__legend">{db.shard === 'default' ? 'Primary (default)' : `Shard ${db.shard}`}</legend>
      <div className="database-row__fields">
        <Field id={id('shard')} label="Shard name">
          <input
            id={id('shard')}
            className="input mono"
            value={db.shard}
            onChange={(e) => onChange(renameRow(db, e.target.value.trim(), railsRows))}
            data-testid="db-shard"
          />
        </Field>
        <ServerFields db={db} id={id} set={set} />
        <TlsFields db={db} id={id} set={set} />
      </div>
      <FromRailsNote db={db} />
      <PasswordInput
        id={id('password')}
        password={db.password}
        secretStorage={secretStorage}
        noneLabel={rails === null ? undefined : "The database.yml's (none there: .pgpass, trust or peer)"}
        onChange={(password) => set({ password })}
      />
      <div className="database-row__actions">
        <ConnectionTest db={db} profilePath={profilePath} rails={completeRailsImport(rails)} />
        {onRemove !== null && (
          <button type="button" className="button button--small button--danger" onClick={onRemove}>
            Remove {db.shard}
          </button>
        )}
      </div>
    </fieldset>
  );
}

/** Where the database is and who connects: host, port, database name, user. */
function ServerFields({ db, id, set }: { db: DatabaseForm; id: (field: string) => string; set: (patch: Partial<DatabaseForm>) => void }) {
  return (
    <>
      <Field id={id('host')} label="Host">
        <input id={id('host')} className="input mono" value={db.host} onChange={(e) => set({ host: e.target.value })} data-testid="db-host" />
      </Field>
      <Field id={id('port')} label="Port">
        <input
          id={id('port')}
          className="input mono database-row__port"
          type="number"
          min={1}
          max={65535}
          value={db.port}
          onChange={(e) => set({ port: Number(e.target.value) || 5432 })}
          data-testid="db-port"
        />
      </Field>
      <Field id={id('database')} label="Database">
        <input id={id('database')} className="input mono" value={db.database} onChange={(e) => set({ database: e.target.value })} data-testid="db-database" />
      </Field>
      <Field id={id('user')} label="User">
        <input id={id('user')} className="input mono" value={db.user} onChange={(e) => set({ user: e.target.value })} data-testid="db-user" />
      </Field>
    </>
  );
}

const FIELD_LABELS = { host: 'host', port: 'port', database: 'database', user: 'user', ssl: 'SSL', sslRootCert: 'CA certificate' } as const;

/** Which fields the row shows from the database.yml, and which of them it now overrides. */
function FromRailsNote({ db }: { db: DatabaseForm }) {
  if (db.fromRails === undefined) return null;
  const shown = (Object.keys(FIELD_LABELS) as Array<keyof typeof FIELD_LABELS>).filter((f) => db.fromRails![f] !== undefined);
  if (shown.length === 0) return null;
  // A CA cleared in the form overrides nothing (an entry cannot unsay the database.yml's): not listed.
  const changed = shown.filter((f) => db[f] !== undefined && db[f] !== db.fromRails![f]);
  return (
    <p className="muted" data-testid="db-from-rails">
      From the database.yml: {shown.map((f) => FIELD_LABELS[f]).join(', ')} (saved only when changed)
      {changed.length > 0 ? `; overridden here: ${changed.map((f) => FIELD_LABELS[f]).join(', ')}` : ''}.
    </p>
  );
}

/** SSL mode, and the CA the server's certificate must chain to (a private CA: RDS, Cloud SQL, in-house). */
function TlsFields({ db, id, set }: { db: DatabaseForm; id: (field: string) => string; set: (patch: Partial<DatabaseForm>) => void }) {
  return (
    <>
      <Field id={id('ssl')} label="SSL">
        <select id={id('ssl')} className="select" value={db.ssl} onChange={(e) => set({ ssl: e.target.value as DatabaseForm['ssl'] })}>
          <option value="disable">off</option>
          <option value="prefer">prefer (encrypted when the server offers it, not checked)</option>
          <option value="require">require (encrypted)</option>
          <option value="verify-full">verify-full (certificate checked)</option>
        </select>
      </Field>
      {db.ssl !== 'disable' && (
        <Field id={id('ca')} label="CA certificate (sslrootcert)">
          <input
            id={id('ca')}
            className="input mono"
            value={db.sslRootCert ?? ''}
            placeholder={db.ssl === 'verify-full' ? "public CAs; or the PEM file of your server's CA" : 'none: the certificate is not checked'}
            onChange={(e) => set({ sslRootCert: e.target.value.trim() === '' ? undefined : e.target.value })}
            data-testid="db-ssl-root-cert"
          />
        </Field>
      )}
    </>
  );
}

function Field({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {children}
    </div>
  );
}

/** Password: none, an environment variable, the keychain entry already named, or typed (kept by the keychain on save). */
export function PasswordInput({
  id,
  password,
  secretStorage,
  noneLabel = 'None (.pgpass, trust or peer)',
  onChange,
}: {
  id: string;
  password: PasswordField;
  secretStorage: 'keychain' | 'none';
  /** What no password of the row's own means: a database.yml's row falls back to the database.yml's. */
  noneLabel?: string | undefined;
  onChange: (p: PasswordField) => void;
}) {
  const kinds: Array<[PasswordField['kind'], string]> = [
    ['none', noneLabel],
    ['env', 'Environment variable'],
    ...(password.kind === 'secret' ? [['secret', 'Kept in the keychain'] as [PasswordField['kind'], string]] : []),
    ['typed', secretStorage === 'keychain' ? 'Type it (kept by the OS keychain)' : 'Type it (for a test only: not saved)'],
  ];
  const pick = (kind: PasswordField['kind']) => {
    if (kind === 'none') onChange({ kind });
    else if (kind === 'env') onChange({ kind, variable: password.kind === 'env' ? password.variable : 'PGPASSWORD' });
    else if (kind === 'typed') onChange({ kind, value: '' } as PasswordField);
  };
  return (
    <div className="database-row__password">
      <div className="field">
        <label className="field__label" htmlFor={`${id}-kind`}>
          Password
        </label>
        <select
          id={`${id}-kind`}
          className="select"
          value={password.kind}
          onChange={(e) => pick(e.target.value as PasswordField['kind'])}
          data-testid="db-password-kind"
        >
          {kinds.map(([kind, label]) => (
            <option key={kind} value={kind}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {password.kind === 'env' && <PasswordVariableInput id={id} variable={password.variable} onChange={onChange} />}
      {password.kind === 'secret' && <span className="muted mono">{password.name}</span>}
      {password.kind === 'typed' && <TypedPasswordInput id={id} value={password.value} onChange={onChange} />}
    </div>
  );
}

function PasswordVariableInput({ id, variable, onChange }: { id: string; variable: string; onChange: (p: PasswordField) => void }) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={`${id}-env`}>
        Variable (set where Shard Console starts)
      </label>
      <input
        id={`${id}-env`}
        className="input mono"
        value={variable}
        onChange={(e) => onChange({ kind: 'env', variable: e.target.value.trim() })}
        data-testid="db-password-env"
      />
    </div>
  );
}

function TypedPasswordInput({ id, value, onChange }: { id: string; value: string; onChange: (p: PasswordField) => void }) {
  return (
    <div className="field">
      <label className="field__label" htmlFor={`${id}-typed`}>
        Password
      </label>
      <input
        id={`${id}-typed`}
        className="input"
        type="password"
        autoComplete="new-password"
        value={value}
        onChange={(e) => onChange({ kind: 'typed', value: e.target.value })}
        data-testid="db-password-typed"
      />
    </div>
  );
}

type TestState =
  | { status: 'idle' }
  | { status: 'testing'; tested: string }
  | { status: 'done'; tested: string; result: ConnectionTestResult }
  | { status: 'error'; tested: string; error: unknown };

/**
 * Connects with what the row says now; a typed password is sent for this test only. A result is shown
 * only while the row still says what was tested: after an edit (or a row above removed) it is gone.
 */
function ConnectionTest({ db, profilePath, rails }: { db: DatabaseForm; profilePath: string | null; rails: ProfileForm['rails'] }) {
  const [tested, setTested] = useState<TestState>({ status: 'idle' });
  const current = JSON.stringify([db, rails]);
  const state: TestState = tested.status !== 'idle' && tested.tested !== current ? { status: 'idle' } : tested;
  const run = async () => {
    setTested({ status: 'testing', tested: current });
    try {
      setTested({
        status: 'done',
        tested: current,
        result: await call('profiles.testConnection', { database: db, ...(profilePath === null ? {} : { profilePath }), ...(rails === null ? {} : { rails }) }),
      });
    } catch (error) {
      setTested({ status: 'error', tested: current, error });
    }
  };
  const typedEmpty = db.password.kind === 'typed' && db.password.value === '';
  return (
    <div className="connection-test" aria-live="polite">
      <button
        type="button"
        className="button button--small"
        onClick={() => void run()}
        disabled={state.status === 'testing' || db.database === '' || typedEmpty}
        data-testid="db-test"
      >
        {state.status === 'testing' ? 'Testing…' : 'Test connection'}
      </button>
      {state.status === 'done' && state.result.ok && (
        <span className="badge badge--ok" data-testid="db-test-result" data-ok="true">
          connected · PostgreSQL {state.result.serverVersion} · {formatDuration(state.result.latencyMs)}
          {state.result.websites !== null ? ` · ${state.result.websites} websites` : ''}
        </span>
      )}
      {state.status === 'done' && !state.result.ok && state.result.error !== null && (
        <span className="connection-test__error" data-testid="db-test-result" data-ok="false" data-error-code={state.result.error.code}>
          <code>{state.result.error.code}</code> {state.result.error.message}
        </span>
      )}
      {state.status === 'error' && <span className="connection-test__error">{describeError(state.error).message}</span>}
    </div>
  );
}
