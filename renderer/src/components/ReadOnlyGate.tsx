import type { ReactNode } from 'react';
import { useSessionInfo } from '../api/hooks.ts';

/** Hides write actions when the profile is read-only (the core refuses them anyway); shows them once the session says writes are allowed. */
export function ReadOnlyGate({ children }: { children: ReactNode }) {
  const session = useSessionInfo();
  if (!session.data || session.data.readOnly) return null;
  return <>{children}</>;
}
