import { useState } from 'react';
import { call } from '../api/client.ts';
import { describeError } from '../view/error-text.ts';

/**
 * Stop for a running job, asked twice (it stops at the next safe point, to be resumed or rolled back
 * after). A stop the console refuses, or that does not reach it, says why and can be tried again.
 */
export function StopJobButton({
  jobId,
  onStopped,
  after = 'It can be resumed or rolled back after.',
}: {
  jobId: string;
  onStopped?: () => void;
  after?: string;
}) {
  const [confirming, setConfirming] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const stop = () => {
    setStopping(true);
    setError(undefined);
    call('jobs.stop', { jobId }).then(
      () => onStopped?.(),
      (e: unknown) => {
        setStopping(false);
        setConfirming(false);
        setError(e);
      },
    );
  };
  if (stopping) return <span className="muted">Stopping at the next safe point…</span>;
  return (
    <>
      {confirming ? (
        <span className="confirm-inline" role="group" aria-label="Confirm stop">
          Stop it? {after}{' '}
          <button type="button" className="button button--danger" onClick={stop}>
            Stop now
          </button>{' '}
          <button type="button" className="button" onClick={() => setConfirming(false)}>
            Keep running
          </button>
        </span>
      ) : (
        <button type="button" className="button button--danger" onClick={() => setConfirming(true)}>
          Stop
        </button>
      )}
      {error !== undefined && (
        <span className="run__error" role="alert">
          The stop did not go through: {describeError(error).message}
        </span>
      )}
    </>
  );
}
