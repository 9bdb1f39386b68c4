import { useState } from 'react';
import type { FormEvent, RefObject } from 'react';
import type { ViewRefresh } from '../../../../shared/contract.ts';
import { formatCount } from '../../../../shared/format.ts';
import { call } from '../../api/client.ts';
import { queryCache } from '../../api/hooks.ts';
import { navigate } from '../../router/use-route.ts';
import { confirmationMatches, confirmationWord } from '../../view/move-wizard.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';
import type { WizardWebsite } from './wizard-website.ts';

/** `moves.start`, then the job's page; on a refusal the error, and the form usable again. */
function useStartMove(website: WizardWebsite, target: string, onStarting: (busy: boolean) => void) {
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function start(refresh: ViewRefresh) {
    setStarting(true);
    onStarting(true);
    setError(undefined);
    try {
      const job = await call('moves.start', { websiteId: website.id, target, source: website.database, viewRefresh: refresh });
      queryCache.invalidate('moves.list');
      onStarting(false);
      navigate({ name: 'move', jobId: job.jobId });
    } catch (e) {
      setError(e);
      setStarting(false);
      onStarting(false);
    }
  }
  return { starting, error, start };
}

/** Step 3: what will happen, the view-refresh choice, the typed confirmation, then `moves.start` and the job's page. */
export function ConfirmStep({
  website,
  target,
  rows,
  views,
  onBack,
  onCancel,
  onStarting = () => {},
  headingRef,
}: {
  website: WizardWebsite;
  target: string;
  rows: number;
  views: readonly string[];
  onBack: () => void;
  onCancel: () => void;
  /** Told when moves.start goes out and when its answer came: the dialog stays open meanwhile. */
  onStarting?: (busy: boolean) => void;
  headingRef: RefObject<HTMLHeadingElement | null>;
}) {
  const [typed, setTyped] = useState('');
  const [refresh, setRefresh] = useState<ViewRefresh>('concurrently');
  const { starting, error, start } = useStartMove(website, target, onStarting);
  const matches = confirmationMatches(typed, website);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (matches) void start(refresh);
  };

  return (
    <form className="form" onSubmit={submit} aria-labelledby="move-step-confirm">
      <h3 id="move-step-confirm" className="wizard__heading" ref={headingRef} tabIndex={-1}>
        Confirm the move
      </h3>
      <MoveSummary website={website} target={target} rows={rows} />
      {views.length > 0 && <ViewRefreshChoice views={views} refresh={refresh} onChange={setRefresh} source={website.database} target={target} />}
      <ConfirmationField website={website} typed={typed} onType={setTyped} />
      {error !== undefined && <ErrorPanel error={error} />}
      <div className="modal__actions">
        <button type="button" className="button" onClick={onBack} disabled={starting}>
          Back
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={starting}>
          Cancel
        </button>
        <button type="submit" className="button button--danger-solid" disabled={!matches || starting}>
          {starting ? 'Starting…' : `Move to ${target}`}
        </button>
      </div>
    </form>
  );
}

/** The word to type (the subdomain, or the id when there is none), focused when the step opens. */
function ConfirmationField({ website, typed, onType }: { website: WizardWebsite; typed: string; onType: (typed: string) => void }) {
  return (
    <label className="field">
      <span className="field__label">
        Type <code>{confirmationWord(website)}</code> to confirm
      </span>
      <input
        className="input mono"
        value={typed}
        onChange={(e) => onType(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        autoFocus
        aria-describedby="move-confirm-hint"
        data-testid="move-confirm-input"
      />
      <span id="move-confirm-hint" className="muted move-confirm__hint">
        The website’s subdomain{website.subdomain !== null ? ` or its id (${website.id})` : ''}.
      </span>
    </label>
  );
}

/** Which website goes where, and what the operator should expect while it moves. */
function MoveSummary({ website, target, rows }: { website: WizardWebsite; target: string; rows: number }) {
  return (
    <>
      <dl className="facts move-confirm" data-testid="move-confirm">
        <div className="facts__item">
          <dt>Website</dt>
          <dd>
            {website.subdomain ?? '—'} (id {website.id})
          </dd>
        </div>
        <div className="facts__item">
          <dt>From</dt>
          <dd>{website.database}</dd>
        </div>
        <div className="facts__item">
          <dt>To</dt>
          <dd>{target}</dd>
        </div>
      </dl>
      <p>
        Writes to this website are paused on {website.database} while its {formatCount(rows)} rows are copied and verified. After the switch its rows are
        deleted from {website.database}. Other websites are not affected. A failed move can be resumed or rolled back from its job page.
      </p>
    </>
  );
}

interface ViewRefreshChoiceProps {
  readonly views: readonly string[];
  readonly refresh: ViewRefresh;
  readonly onChange: (refresh: ViewRefresh) => void;
  readonly source: string;
  readonly target: string;
}

/** How the materialized views on both databases are refreshed after the switch. */
function ViewRefreshChoice({ views, refresh, onChange, source, target }: ViewRefreshChoiceProps) {
  return (
    <fieldset className="field view-refresh" data-testid="move-view-refresh">
      <legend className="field__label">
        Materialized views (<code>{views.join(', ')}</code>) on both databases
      </legend>
      <label>
        <input type="radio" name="view-refresh" value="concurrently" checked={refresh === 'concurrently'} onChange={() => onChange('concurrently')} /> Refresh
        concurrently: readers never wait (slower for a large website)
      </label>
      <label>
        <input type="radio" name="view-refresh" value="rebuild" checked={refresh === 'rebuild'} onChange={() => onChange('rebuild')} /> Rebuild: several times
        faster, but every reader of these views on {source} and {target} waits while each one rebuilds
      </label>
    </fieldset>
  );
}
