import type { ProfileSource } from '../../../shared/contract.ts';
import { call } from './client.ts';
import { useQuery } from './hooks.ts';

/* The start screen's data: recent and saved profiles, the keychain, the demo. */

export const useProfilesList = () => useQuery('profiles.list', {});

/**
 * Opens a profile and starts the console afresh on it: every page, cache and filter belonged to the
 * cluster before, so the window reloads onto the new cluster's overview.
 */
export async function openProfile(source: ProfileSource): Promise<void> {
  await call('profiles.open', { source });
  window.location.hash = '#/overview';
  window.location.reload();
}
