import { useState } from 'react';
import type { JobProgressEvent, MethodResult } from '../../../../shared/contract.ts';
import { call } from '../../api/client.ts';
import { ErrorPanel } from '../ErrorPanel.tsx';
import { JobProgressBar } from '../JobProgressBar.tsx';
import { nextProgress, type ProgressSamples } from '../../view/job-list.ts';
import { ModalDialog } from '../ModalDialog.tsx';

type BackupFormat = 'custom' | 'directory';

const NO_SAMPLES: ProgressSamples = { progress: null, progressAt: null, earlier: null };

/** One backup.create call at a time: its progress per database, its result or error, and the controller that cancels it. */
function useBackupRun(onDone: () => void) {
  // Per database, its newest event and the one before, apart in time: the rate and time left.
  const [progress, setProgress] = useState<ReadonlyMap<string, ProgressSamples>>(new Map());
  const [running, setRunning] = useState<AbortController | null>(null);
  const [result, setResult] = useState<MethodResult<'backup.create'> | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const start = async (format: BackupFormat, picked: ReadonlySet<string>) => {
    const controller = new AbortController();
    setRunning(controller);
    setError(undefined);
    setResult(null);
    setProgress(new Map());
    try {
      const params = { format, jobs: 2, ...(picked.size > 0 ? { databases: [...picked] } : {}) };
      const onEvent = (e: JobProgressEvent) => setProgress((p) => new Map(p).set(e.phase, nextProgress(p.get(e.phase) ?? NO_SAMPLES, e, Date.now())));
      setResult(await call('backup.create', params, { signal: controller.signal, onEvent }));
      onDone();
    } catch (e) {
      setError(e);
      onDone();
    } finally {
      setRunning(null);
    }
  };
  return { progress, running, result, error, start };
}

/**
 * Backs up every database (or the ones picked) with pg_dump: a bar per database (bytes of its tables
 * dumped, rate, time left) while it runs, and Cancel, which ends pg_dump and removes partial files.
 */
export function BackupNowDialog({
  open,
  databases,
  onClose,
  onDone,
}: {
  open: boolean;
  databases: readonly string[];
  onClose: () => void;
  onDone: () => void;
}) {
  const [format, setFormat] = useState<BackupFormat>('custom');
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const { progress, running, result, error, start } = useBackupRun(onDone);
  const toggle = (name: string) => setPicked((p) => (p.has(name) ? new Set([...p].filter((n) => n !== name)) : new Set([...p, name])));
  return (
    <ModalDialog open={open} title="Back up the cluster" onClose={() => (running ? undefined : onClose())} testId="backup-dialog">
      <fieldset disabled={running !== null}>
        <legend>Databases (none picked: every one)</legend>
        {databases.map((name) => (
          <label key={name} className="checkbox">
            <input type="checkbox" checked={picked.has(name)} onChange={() => toggle(name)} /> {name}
          </label>
        ))}
        <label>
          Format{' '}
          <select value={format} onChange={(e) => setFormat(e.target.value as BackupFormat)}>
            <option value="custom">custom (one file per database)</option>
            <option value="directory">directory (a folder per database)</option>
          </select>
        </label>
      </fieldset>
      <BackupOutcome progress={progress} error={error} result={result} />
      <div className="modal__actions">
        {running ? (
          <>
            <button type="button" className="button button--danger" onClick={() => running.abort()}>
              Cancel
            </button>
            {/* Where Back up was: a second click of a double click lands on nothing, not on Cancel. */}
            <button type="button" className="button button--primary" disabled>
              Backing up…
            </button>
          </>
        ) : (
          <>
            <button type="button" className="button" onClick={onClose}>
              Close
            </button>
            <button type="button" className="button button--primary" onClick={() => void start(format, picked)}>
              Back up
            </button>
          </>
        )}
      </div>
    </ModalDialog>
  );
}

/** A bar per database while it runs; then where it was written, or why it was not. */
function BackupOutcome({
  progress,
  error,
  result,
}: {
  progress: ReadonlyMap<string, ProgressSamples>;
  error: unknown;
  result: MethodResult<'backup.create'> | null;
}) {
  return (
    <>
      {[...progress].map(([database, s]) => (
        <div key={database} data-testid={`backup-progress-${database}`}>
          <strong>{database}</strong> <JobProgressBar event={s.progress} earlier={s.earlier} at={s.progressAt} label={`Backup of ${database}`} />
        </div>
      ))}
      {error !== undefined && <ErrorPanel error={error} />}
      {result && (
        <p data-testid="backup-done">
          Written to <code>{result.backup}</code>: {result.databases.map((d) => d.name).join(', ')}.
        </p>
      )}
    </>
  );
}
