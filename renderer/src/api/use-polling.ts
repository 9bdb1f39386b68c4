import { useEffect } from 'react';

/** Calls `refetch` every `intervalMs` while `active`; the query cache keeps at most one read queued behind the one in flight. */
export function usePolling(refetch: () => void, active: boolean, intervalMs: number): void {
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(refetch, intervalMs);
    return () => window.clearInterval(timer);
  }, [refetch, active, intervalMs]);
}
