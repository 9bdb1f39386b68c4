import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import type { ProfileForm } from '../../../shared/contract.ts';
import { call } from '../api/client.ts';
import { openProfile, useProfilesList, useRailsDatabases, type RailsDatabases } from '../api/profile-hooks.ts';
import { DatabaseRow, PasswordInput } from '../components/profiles/DatabaseRow.tsx';
import { ChooseFileButton } from '../components/ChooseFileButton.tsx';
import { RailsRowAdder } from '../components/profiles/RailsRowAdder.tsx';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { Loading } from '../components/Loading.tsx';
import { routeHref } from '../router/routes.ts';
import {
  blankDatabase,
  blankProfile,
  defaultProfilePath,
  formatList,
  formProblems,
  keptSettingsText,
  nextShardName,
  parseList,
  rebaseRows,
} from '../view/profile-form.ts';

type Loaded = { status: 'loading' } | { status: 'ready'; form: ProfileForm; revision?: string } | { status: 'error'; error: unknown };

/** Creates a profile (`#/profiles/new`) or edits a JSON one (`#/profiles/edit?path=`), testing each connection before saving. */
export function ProfileEditor({ path }: { path: string | null }) {
  const list = useProfilesList();
  const [loaded, setLoaded] = useState<Loaded>(path === null ? { status: 'ready', form: blankProfile() } : { status: 'loading' });
  useEffect(() => {
    if (path === null) return;
    call('profiles.read', { path }).then(
      (read) => setLoaded({ status: 'ready', form: read.form, revision: read.revision }),
      (error: unknown) => setLoaded({ status: 'error', error }),
    );
  }, [path]);

  return (
    <div className="page page--profile-form" data-testid="profile-form-page">
      <header className="page__header">
        <h1>{path === null ? 'New profile' : 'Edit profile'}</h1>
        <div className="page__actions">
          <a className="button" href={routeHref({ name: 'profiles' })}>
            Back to profiles
          </a>
        </div>
      </header>
      {loaded.status === 'loading' && <Loading label={`Reading ${path}…`} />}
      {loaded.status === 'error' && <ErrorPanel error={loaded.error} />}
      {loaded.status === 'ready' && list.data !== undefined && (
        <ProfileFormBody
          initial={loaded.form}
          initialRevision={loaded.revision}
          path={path}
          profilesDir={list.data.profilesDir}
          secretStorage={list.data.secretStorage}
          secretNote={list.data.secretStorageNote}
        />
      )}
      {list.error !== undefined && <ErrorPanel error={list.error} onRetry={list.refetch} />}
    </div>
  );
}

interface BodyProps {
  readonly initial: ProfileForm;
  /** The file as the form read it (profiles.read): saving over it is refused once it changed. */
  readonly initialRevision?: string | undefined;
  readonly path: string | null;
  readonly profilesDir: string;
  readonly secretStorage: 'keychain' | 'none';
  readonly secretNote: string;
}

type SetForm = (patch: Partial<ProfileForm>) => void;

/** The form being edited, the file it goes to, and saving it there (then reading it back). */
function useProfileForm({ initial, initialRevision, path, profilesDir, secretStorage }: Omit<BodyProps, 'secretNote'>) {
  const [form, setForm] = useState(initial);
  const [revision, setRevision] = useState(initialRevision);
  const [file, setFile] = useState(path ?? '');
  // Saving goes over the file the form came from (or was last saved to) without asking; any other existing
  // file (another profile's, typed into File) only when the operator ticks Replace.
  const [ownFile, setOwnFile] = useState<string | null>(path);
  const [overwrite, setOverwrite] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const target = file.trim() !== '' ? file.trim() : defaultProfilePath(profilesDir, form.name);
  const problems = formProblems(form, secretStorage);
  const set: SetForm = (patch) => {
    setForm((f) => ({ ...f, ...patch }));
    setSaved(null);
  };
  // The database.yml as it reads now: rows show its values where they override nothing (another
  // environment picked, the file edited), so the form shows what the saved profile will connect to.
  const yml = useRailsDatabases(form.rails, target);
  useEffect(() => {
    const read = yml.databases;
    if (read === null) return;
    setForm((f) => {
      const rows = rebaseRows(f.databases, read);
      return JSON.stringify(rows) === JSON.stringify(f.databases) ? f : { ...f, databases: rows };
    });
  }, [yml.databases]);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (problems.length > 0) return;
    setSaving(true);
    setError(undefined);
    try {
      const result = await call('profiles.save', saveParams({ target, form, overwrite, ownFile, revision }));
      setSaved(result.path);
      setFile(result.path);
      setOwnFile(result.path);
      setOverwrite(false);
      // What was typed now lives in the keychain: the form shows the file as saved, naming it.
      const read = await call('profiles.read', { path: result.path });
      setForm(read.form);
      setRevision(read.revision);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  }

  return { form, set, yml, file, setFile, overwrite, setOverwrite, saving, saved, error, setError, target, problems, save };
}

/**
 * Over the file the form came from: without asking, as it was read (`revision`). Elsewhere: only with
 * Replace ticked when a file is there, its relative paths rebased to name the same files (`from`).
 */
function saveParams(p: { target: string; form: ProfileForm; overwrite: boolean; ownFile: string | null; revision: string | undefined }) {
  const own = p.target === p.ownFile;
  return {
    path: p.target,
    form: p.form,
    overwrite: p.overwrite || own,
    ...(own && p.revision !== undefined ? { revision: p.revision } : {}),
    ...(!own && p.ownFile !== null ? { from: p.ownFile } : {}),
  };
}

function ProfileFormBody(props: BodyProps) {
  const editor = useProfileForm(props);
  const { form, set } = editor;
  return (
    <form className="form profile-form" onSubmit={editor.save} noValidate>
      <ProfileIdentityCard form={form} set={set} secretNote={props.secretNote} />
      <DatabasesCard form={form} set={set} yml={editor.yml} secretStorage={props.secretStorage} target={editor.target} />
      <ClusterSettings form={form} set={set} secretStorage={props.secretStorage} />
      <SaveCard editor={editor} />
    </form>
  );
}

function ProfileIdentityCard({ form, set, secretNote }: { form: ProfileForm; set: SetForm; secretNote: string }) {
  return (
    <section className="card form">
      <label className="field field--grow">
        <span className="field__label">Name</span>
        <input
          className="input"
          value={form.name}
          onChange={(e) => set({ name: e.target.value })}
          placeholder="PWB production"
          data-testid="profile-name-input"
        />
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={form.readOnly} onChange={(e) => set({ readOnly: e.target.checked })} /> Read-only: refuse moves, migrations, restores
        and shard adds
      </label>
      <p className="muted">{secretNote}</p>
    </section>
  );
}

function DatabasesCard({
  form,
  set,
  yml,
  secretStorage,
  target,
}: {
  form: ProfileForm;
  set: SetForm;
  /** The database.yml's databases, when the form imports one and it was read. */
  yml: RailsDatabases;
  secretStorage: 'keychain' | 'none';
  /** Where the form saves to: what is relative in it (a CA certificate, the database.yml) is read from its folder, as the loader will. */
  target: string;
}) {
  return (
    <section className="card form" aria-labelledby="databases-heading">
      <h2 id="databases-heading" className="card__title">
        Databases
      </h2>
      {form.databases.map((db, i) => (
        <DatabaseRow
          key={i}
          db={db}
          index={i}
          secretStorage={secretStorage}
          profilePath={target}
          rails={form.rails}
          railsRows={yml.databases}
          onChange={(next) => set({ databases: form.databases.map((d, j) => (j === i ? next : d)) })}
          onRemove={form.databases.length > 1 || form.rails !== null ? () => set({ databases: form.databases.filter((_, j) => j !== i) }) : null}
        />
      ))}
      {form.rails !== null && (
        <RailsRowAdder rails={form.rails} yml={yml} taken={form.databases.map((d) => d.shard)} onAdd={(row) => set({ databases: [...form.databases, row] })} />
      )}
      <AddDatabaseButton form={form} set={set} yml={yml} />
    </section>
  );
}

/** A blank row, named so it is no other row's database, nor one of the database.yml's. */
function AddDatabaseButton({ form, set, yml }: { form: ProfileForm; set: SetForm; yml: RailsDatabases }) {
  const name = nextShardName(
    form.databases,
    yml.databases?.map((d) => d.shard),
  );
  return (
    <div>
      <button type="button" className="button" onClick={() => set({ databases: [...form.databases, blankDatabase(name)] })} data-testid="add-database">
        {form.rails === null ? 'Add a shard database' : 'Add a shard database the database.yml does not name'}
      </button>
    </div>
  );
}

function SaveCard({ editor }: { editor: ReturnType<typeof useProfileForm> }) {
  const { file, setFile, overwrite, setOverwrite, saving, saved, error, setError, target, problems } = editor;
  return (
    <section className="card form" aria-labelledby="save-heading">
      <h2 id="save-heading" className="card__title">
        Save
      </h2>
      <label className="field">
        <span className="field__label">File (JSON, readable by you only)</span>
        <input className="input mono" value={file} onChange={(e) => setFile(e.target.value)} placeholder={target} data-testid="profile-file" />
      </label>
      <ChooseFileButton
        purpose="profile"
        suggested={target}
        onChosen={(chosen) => {
          // The dialog asked before replacing a file there.
          setFile(chosen);
          setOverwrite(true);
        }}
      />
      <label className="checkbox">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} data-testid="profile-overwrite" /> Replace it if the file
        exists
      </label>
      {problems.length > 0 && (
        <ul className="form-problems" data-testid="profile-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {error !== undefined && <ErrorPanel error={error} />}
      {saved !== null && (
        <p className="badge badge--ok" role="status" data-testid="profile-saved">
          Saved to {saved}
        </p>
      )}
      <div className="modal__actions">
        <button type="submit" className="button button--primary" disabled={saving || problems.length > 0} data-testid="save-profile">
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          className="button"
          disabled={saved === null}
          onClick={() => void openProfile({ kind: 'profile', path: saved! }).catch(setError)}
          data-testid="open-saved-profile"
        >
          Open it
        </button>
      </div>
    </section>
  );
}

/** Tenant keys, global tables, the database.yml import and the folders and tools the console uses. */
function ClusterSettings({ form, set, secretStorage }: { form: ProfileForm; set: SetForm; secretStorage: 'keychain' | 'none' }) {
  return (
    <section className="card form" aria-labelledby="cluster-heading">
      <h2 id="cluster-heading" className="card__title">
        Cluster
      </h2>
      <label className="field">
        <span className="field__label">Tenant key columns (comma-separated)</span>
        <input
          className="input mono"
          defaultValue={formatList(form.tenantKeys)}
          onChange={(e) => set({ tenantKeys: parseList(e.target.value) })}
          data-testid="tenant-keys"
        />
      </label>
      <label className="field">
        <span className="field__label">Global tables: on the primary only, never moved (comma-separated)</span>
        <textarea
          className="input mono"
          rows={2}
          defaultValue={formatList(form.globalTables)}
          onChange={(e) => set({ globalTables: parseList(e.target.value) })}
        />
      </label>
      <RailsImportFields form={form} set={set} />
      <FolderFields form={form} set={set} />
      <QueryRoleFields form={form} set={set} secretStorage={secretStorage} />
      <PgDumpField form={form} set={set} />
      <KeptSettings form={form} />
    </section>
  );
}

/** Settings of the file the form has no fields for: saved back as they are, shown so nobody wonders. */
function KeptSettings({ form }: { form: ProfileForm }) {
  const kept = keptSettingsText(form);
  if (kept.length === 0) return null;
  return (
    <p className="muted" data-testid="profile-kept-settings">
      Kept as the file has them (edit the file to change): {kept.join('; ')}.
    </p>
  );
}

function RailsImportFields({ form, set }: { form: ProfileForm; set: SetForm }) {
  return (
    <fieldset className="field">
      <legend className="field__label">Databases from a Rails config/database.yml (the rows above then override single fields)</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={form.rails !== null}
          onChange={(e) => set({ rails: e.target.checked ? { file: '', environment: 'production', shardNames: {} } : null })}
        />{' '}
        Import them
      </label>
      {form.rails !== null && (
        <div className="database-row__fields">
          <input
            className="input mono"
            aria-label="database.yml path"
            value={form.rails.file}
            onChange={(e) => set({ rails: { ...form.rails!, file: e.target.value } })}
            placeholder="/srv/pwb/config/database.yml"
          />
          <input
            className="input mono"
            aria-label="Rails environment"
            value={form.rails.environment}
            onChange={(e) => set({ rails: { ...form.rails!, environment: e.target.value } })}
          />
        </div>
      )}
    </fieldset>
  );
}

/** The backup and migrations folders: empty means the default. */
function FolderFields({ form, set }: { form: ProfileForm; set: SetForm }) {
  return (
    <>
      <label className="field">
        <span className="field__label">Backup folder (empty: one per profile in the app's data folder)</span>
        <input className="input mono" value={form.backupDir ?? ''} onChange={(e) => set({ backupDir: e.target.value === '' ? null : e.target.value })} />
      </label>
      <label className="field">
        <span className="field__label">Migrations folder with global/ and tenant/ (empty: PWB's bundled schema)</span>
        <input
          className="input mono"
          value={form.migrationsDir ?? ''}
          onChange={(e) => set({ migrationsDir: e.target.value === '' ? null : e.target.value })}
        />
      </label>
    </>
  );
}

/** pg_dump paths per PostgreSQL major as `major=path` lines; the text is kept as typed, the form gets the lines that parse. */
function PgDumpField({ form, set }: { form: ProfileForm; set: SetForm }) {
  const [pgDump, setPgDump] = useState(
    Object.entries(form.pgDump)
      .map(([major, path]) => `${major}=${path}`)
      .join('\n'),
  );
  const readPgDump = (text: string) => {
    setPgDump(text);
    const entries = text
      .split('\n')
      .map((line) => /^\s*(\d{1,2})\s*=\s*(.+?)\s*$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]);
    set({ pgDump: Object.fromEntries(entries) });
  };
  return (
    <label className="field">
      <span className="field__label">pg_dump per PostgreSQL major, one per line: 15=/usr/lib/postgresql/15/bin/pg_dump</span>
      <textarea className="input mono" rows={2} value={pgDump} onChange={(e) => readPgDump(e.target.value)} data-testid="pg-dump-paths" />
    </label>
  );
}

/** The query console's own role on every database: recommended SELECT-only, since READ ONLY is no boundary against side effects. */
function QueryRoleFields({ form, set, secretStorage }: { form: ProfileForm; set: SetForm; secretStorage: 'keychain' | 'none' }) {
  const role = form.queryRole;
  return (
    <fieldset className="field">
      <legend className="field__label">Query console role (recommended: one granted SELECT only; the console itself keeps each database's user)</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={role !== null}
          onChange={(e) => set({ queryRole: e.target.checked ? { user: 'shard_console_reader', password: { kind: 'none' } } : null })}
        />{' '}
        Connect the query console as its own role
      </label>
      {role !== null && (
        <div className="database-row__fields">
          <label className="field">
            <span className="field__label">Role</span>
            <input className="input mono" value={role.user} onChange={(e) => set({ queryRole: { ...role, user: e.target.value.trim() } })} />
          </label>
          <PasswordInput
            id="query-role-password"
            password={role.password}
            secretStorage={secretStorage}
            onChange={(password) => set({ queryRole: { ...role, password } })}
          />
        </div>
      )}
    </fieldset>
  );
}
