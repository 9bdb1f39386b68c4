import { ErrorPanel } from './ErrorPanel.tsx';

/**
 * A refresh that failed while the answer from before is still on screen: the error, said above it,
 * so an old "nothing wrong" is never taken for the current one. Nothing when there is no such failure.
 */
export function RefreshFailed({ query }: { query: { readonly data: unknown; readonly error: unknown; readonly refetch: () => void } }) {
  if (query.data === undefined || query.error === undefined) return null;
  return (
    <ErrorPanel error={query.error} onRetry={query.refetch}>
      <p className="muted">What is shown below is from before this failure.</p>
    </ErrorPanel>
  );
}
