import { useState } from 'react';
import type { FormEvent } from 'react';
import type { BackupSummary, RestoreMode, RestorePlan, RestorePreflight, ViewRefresh } from '../../../../shared/contract.ts';
import type { QueryState } from '../../api/hooks.ts';
import { MODE_TEXT, backupChoiceLabel, planSummary } from '../../view/restore-wizard.ts';
import { ErrorPanel, ProblemPanel } from '../ErrorPanel.tsx';
import { Loading } from '../Loading.tsx';
import type { RestoreChoices, RestoreWebsite } from './RestoreWizard.tsx';

type Preflight = { status: 'loading' } | { status: 'done'; result: RestorePreflight } | { status: 'error'; error: unknown };

interface SourceStepProps {
  readonly backups: QueryState<{ dir: string; backups: BackupSummary[] }>;
  readonly choices: RestoreChoices;
  readonly onChange: (c: RestoreChoices) => void;
  readonly onNext: () => void;
  readonly onCancel: () => void;
}

/** Step 1: a backup of this profile's folder, or any backup folder or archive by its path; the archive found for you unless named. */
export function SourceStep({ backups, choices, onChange, onNext, onCancel }: SourceStepProps) {
  // Only readable backups can be restored from; the others are on the Backups page, with why.
  const listed = (backups.data?.backups ?? []).filter((b) => b.problem === null);
  const picked = listed.find((b) => b.path === choices.path);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (choices.path.trim() !== '') onNext();
  };
  return (
    <form className="form" onSubmit={submit}>
      <BackupChoices backups={backups} choices={choices} onChange={onChange} />
      <label className="field">
        <span className="field__label">Or a backup folder, an archive file or a .sql dump on this machine</span>
        <input
          className="input mono"
          value={picked ? '' : choices.path}
          onChange={(e) => onChange({ ...choices, path: e.target.value, archive: null })}
          data-testid="restore-path"
        />
      </label>
      {picked !== undefined && <ArchiveSelect databases={picked.databases} choices={choices} onChange={onChange} />}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={choices.path.trim() === ''}>
          Next
        </button>
      </div>
    </form>
  );
}

/** This profile's backups to pick from, or why there are none (yet). */
function BackupChoices({ backups, choices, onChange }: Pick<SourceStepProps, 'backups' | 'choices' | 'onChange'>) {
  // Only readable backups can be restored from; the others are on the Backups page, with why.
  const listed = (backups.data?.backups ?? []).filter((b) => b.problem === null);
  return (
    <fieldset className="target-list" data-testid="restore-backups">
      <legend className="wizard__lead">Which backup?</legend>
      {backups.data === undefined && backups.error === undefined && <Loading label="Listing backups…" />}
      {backups.error !== undefined && <ErrorPanel error={backups.error} onRetry={backups.refetch} />}
      {backups.data !== undefined && listed.length === 0 && <p className="muted">No backup in {backups.data.dir} yet: give a path below.</p>}
      {listed.map((b) => (
        <label key={b.path} className="target" data-testid="restore-backup" data-path={b.path}>
          <input type="radio" name="restore-backup" checked={choices.path === b.path} onChange={() => onChange({ ...choices, path: b.path, archive: null })} />
          <span className="target__name">{backupChoiceLabel(b)}</span>
        </label>
      ))}
    </fieldset>
  );
}

/** Which archive of the picked backup: by default the one that holds the website. */
function ArchiveSelect({ databases, choices, onChange }: { databases: readonly string[] } & Pick<SourceStepProps, 'choices' | 'onChange'>) {
  return (
    <label className="field">
      <span className="field__label">Archive</span>
      <select
        className="select"
        value={choices.archive ?? ''}
        onChange={(e) => onChange({ ...choices, archive: e.target.value === '' ? null : e.target.value })}
        data-testid="restore-archive"
      >
        <option value="">The one that holds the website (from the backup's routing, or by reading)</option>
        {databases.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
    </label>
  );
}

interface KindStepProps {
  readonly website: RestoreWebsite;
  readonly databases: readonly string[];
  readonly choices: RestoreChoices;
  readonly onChange: (c: RestoreChoices) => void;
  readonly onBack: () => void;
  readonly onCheck: () => void;
  readonly onCancel: () => void;
}

/** Step 2: replace, side by side (a schema name and a database) or into an empty place (a database). */
export function KindStep({ website, databases, choices, onChange, onBack, onCheck, onCancel }: KindStepProps) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onCheck();
  };
  return (
    <form className="form" onSubmit={submit}>
      <fieldset className="target-list" data-testid="restore-modes">
        <legend className="wizard__lead">
          Website <strong>{website.subdomain ?? website.id}</strong> (id {website.id}) routes to <strong>{website.database}</strong>. How should its rows come
          back?
        </legend>
        {(Object.keys(MODE_TEXT) as RestoreMode[]).map((mode) => (
          <label key={mode} className="target" data-testid="restore-mode" data-mode={mode}>
            <input type="radio" name="restore-mode" checked={choices.mode === mode} onChange={() => onChange({ ...choices, mode })} />
            <span className="target__name">
              <strong>{MODE_TEXT[mode].label}</strong>
              <span className="muted"> {MODE_TEXT[mode].detail}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {choices.mode === 'side-by-side' && (
        <label className="field">
          <span className="field__label">New schema</span>
          <input
            className="input mono"
            value={choices.schema}
            onChange={(e) => onChange({ ...choices, schema: e.target.value.trim() })}
            data-testid="restore-schema"
          />
        </label>
      )}
      {choices.mode !== 'replace' && (
        <label className="field">
          <span className="field__label">Database</span>
          <select className="select" value={choices.target} onChange={(e) => onChange({ ...choices, target: e.target.value })} data-testid="restore-target">
            {databases.map((d) => (
              <option key={d} value={d}>
                {d}
                {d === website.database ? ' (where it routes)' : ''}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onBack}>
          Back
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary">
          Check the restore
        </button>
      </div>
    </form>
  );
}

interface PlanStepProps {
  readonly preflight: Preflight | null;
  readonly onRetry: () => void;
  readonly onBack: () => void;
  readonly onContinue: () => void;
  readonly onCancel: () => void;
}

/** Step 3: the preflight's plan, rows from the archive against rows there now, or why it is refused. */
export function RestorePlanStep({ preflight, onRetry, onBack, onContinue, onCancel }: PlanStepProps) {
  const result = preflight?.status === 'done' ? preflight.result : null;
  return (
    <section aria-labelledby="restore-step-plan">
      <h3 id="restore-step-plan" className="wizard__heading" tabIndex={-1}>
        Preflight
      </h3>
      {preflight?.status === 'loading' && <Loading label="Reading the archive and the live tables: schemas, rows, key collisions…" />}
      {preflight?.status === 'error' && <ErrorPanel error={preflight.error} onRetry={onRetry} />}
      {result !== null && result.refusals.length > 0 && (
        <ProblemPanel title="The restore is refused">
          <p>Nothing was changed. Fix what is listed below, then check again.</p>
          <ul className="refusals" data-testid="restore-refusals">
            {result.refusals.map((r, i) => (
              <li key={`${r.code}-${i}`} className="refusal" data-code={r.code}>
                <code className="refusal__code">{r.code}</code>
                {r.table !== undefined && <span className="mono refusal__table">{r.table}</span>}
                <span className="refusal__message">{r.message}</span>
              </li>
            ))}
          </ul>
        </ProblemPanel>
      )}
      {result?.plan && <RestorePlanTable plan={result.plan} />}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onBack}>
          Back
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        {result?.ok && result.plan !== null && (
          <button type="button" className="button button--primary" onClick={onContinue}>
            Continue
          </button>
        )}
      </div>
    </section>
  );
}

export function RestorePlanTable({ plan }: { plan: RestorePlan }) {
  const summary = planSummary(plan);
  return (
    <div data-testid="restore-plan">
      <p>
        <strong>{summary.headline}</strong> From <code>{plan.source.file}</code>
        {plan.source.database !== null ? ` (${plan.source.database})` : ''}.
      </p>
      {plan.notes.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
      <div className="table-scroll plan-table" tabIndex={0} role="region" aria-label="Tables to restore">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="num">
                In the backup
              </th>
              <th scope="col" className="num">
                There now
              </th>
            </tr>
          </thead>
          <tbody>
            {summary.rows.map((r) => (
              <tr key={r.table} data-table={r.table} className={r.changed ? 'row--changed' : undefined}>
                <th scope="row" className="mono">
                  {r.table}
                </th>
                <td className="num">{r.archiveRows}</td>
                <td className="num">{r.liveRows}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

interface ConfirmProps {
  readonly website: RestoreWebsite;
  readonly plan: RestorePlan;
  readonly onStart: (viewRefresh: ViewRefresh | undefined) => Promise<void>;
  readonly onBack: () => void;
  readonly onCancel: () => void;
}

/** Calls the wizard's start; a refusal shows here and the form is usable again. */
function useStartRestore(onStart: ConfirmProps['onStart']) {
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const start = async (viewRefresh: ViewRefresh | undefined) => {
    setStarting(true);
    setError(undefined);
    try {
      await onStart(viewRefresh);
    } catch (err) {
      setError(err);
      setStarting(false);
    }
  };
  return { starting, error, start };
}

/** Step 4: what will happen, the typed confirmation, then the job. */
export function ConfirmRestoreStep({ website, plan, onStart, onBack, onCancel }: ConfirmProps) {
  const [typed, setTyped] = useState('');
  const [refresh, setRefresh] = useState<ViewRefresh>(plan.viewRefresh);
  const { starting, error, start } = useStartRestore(onStart);
  const word = String(website.id);
  const asksRefresh = plan.mode !== 'side-by-side' && plan.materializedViews.length > 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (typed.trim() !== word) return;
    void start(asksRefresh ? refresh : undefined);
  };
  return (
    <form className="form" onSubmit={submit} aria-labelledby="restore-step-confirm">
      <h3 id="restore-step-confirm" className="wizard__heading" tabIndex={-1}>
        Confirm the restore
      </h3>
      <p>{MODE_TEXT[plan.mode].detail}</p>
      <p>
        <strong>{planSummary(plan).headline}</strong>
      </p>
      {asksRefresh && <RestoreViewRefresh views={plan.materializedViews} refresh={refresh} onChange={setRefresh} />}
      <label className="field">
        <span className="field__label">
          Type the website's id, <code>{word}</code>, to confirm
        </span>
        <input
          className="input mono"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
          autoFocus
          data-testid="restore-confirm-input"
        />
      </label>
      {error !== undefined && <ErrorPanel error={error} />}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onBack} disabled={starting}>
          Back
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={starting}>
          Cancel
        </button>
        <button type="submit" className="button button--danger-solid" disabled={typed.trim() !== word || starting} data-testid="restore-start">
          {starting ? 'Starting…' : 'Restore'}
        </button>
      </div>
    </form>
  );
}

/** How the materialized views are refreshed after the restore (not asked for a side-by-side restore or when there are none). */
function RestoreViewRefresh({ views, refresh, onChange }: { views: readonly string[]; refresh: ViewRefresh; onChange: (refresh: ViewRefresh) => void }) {
  return (
    <label className="field">
      <span className="field__label">Materialized views ({views.join(', ')}) afterwards</span>
      <select className="select" value={refresh} onChange={(e) => onChange(e.target.value as ViewRefresh)}>
        <option value="concurrently">Refresh concurrently: readers never wait</option>
        <option value="rebuild">Rebuild: faster, readers wait while each rebuilds</option>
      </select>
    </label>
  );
}
