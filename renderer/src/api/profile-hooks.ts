import { useEffect, useState } from 'react';
import type { DatabaseForm, ProfileForm, ProfileSource } from '../../../shared/contract.ts';
import { completeRailsImport } from '../view/profile-form.ts';
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

/** What the profile form knows of its database.yml's databases, read again after each edit of the import. */
export interface RailsDatabases {
  /** The environment's databases as rows, each shown from the database.yml; null before a read, or when the last one failed. */
  readonly databases: DatabaseForm[] | null;
  readonly error: unknown;
  readonly reading: boolean;
}

/**
 * Reads the form's database.yml import (a pause after the last keystroke first), for the database path
 * the form saves to. An answer for an import edited since is dropped.
 */
export function useRailsDatabases(rails: ProfileForm['rails'], profilePath: string, pauseMs = 400): RailsDatabases {
  const [state, setState] = useState<RailsDatabases>({ databases: null, error: undefined, reading: false });
  const complete = completeRailsImport(rails);
  const key = complete ? JSON.stringify([complete, profilePath]) : null;
  useEffect(() => {
    if (key === null) {
      setState({ databases: null, error: undefined, reading: false });
      return;
    }
    let current = true;
    // What was read belongs to the import as it was: not offered (nor re-based on) while another is read.
    setState({ databases: null, error: undefined, reading: true });
    const timer = setTimeout(() => {
      const [asked, path] = JSON.parse(key) as [NonNullable<ProfileForm['rails']>, string];
      call('profiles.railsDatabases', { rails: asked, profilePath: path }).then(
        ({ databases }) => current && setState({ databases, error: undefined, reading: false }),
        (error: unknown) => current && setState({ databases: null, error, reading: false }),
      );
    }, pauseMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key, pauseMs]);
  return state;
}
