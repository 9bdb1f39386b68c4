import type { ReactNode } from 'react';
import type { ErrorInfo } from '../../../shared/errors.ts';
import { ApiError } from '../api/client.ts';
import { describeError } from '../view/error-text.ts';

interface ErrorPanelProps {
  error: unknown;
  onRetry?: () => void;
  children?: ReactNode;
}

/**
 * One database's error inside an answer that came (a page over several databases): shown as the call's
 * own error would be, its code, title and target kept, the message saying which database and what of it.
 */
export function databaseError(method: string, database: string, info: ErrorInfo, what: string): ApiError {
  return new ApiError(method, { ...info, message: `${database} ${what}: ${info.message}`, target: info.target ?? database });
}

/** An error from the core, in its own words, with the stable code for anyone searching the docs. */
export function ErrorPanel({ error, onRetry, children }: ErrorPanelProps) {
  const text = describeError(error);
  return (
    <section className="error-panel" role="alert" data-error-code={text.code ?? undefined}>
      <h2 className="error-panel__title">{text.title}</h2>
      <p className="error-panel__message">{text.message}</p>
      {(text.code !== null || text.target !== null) && (
        <p className="error-panel__meta">
          {text.code !== null && <code>{text.code}</code>}
          {text.target !== null && <span> · {text.target}</span>}
        </p>
      )}
      {children}
      {onRetry !== undefined && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </section>
  );
}

/** A red panel for a problem in the data itself (not a failed request). */
export function ProblemPanel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="error-panel" role="alert">
      <h2 className="error-panel__title">{title}</h2>
      {children}
    </section>
  );
}
