import type { ResolvedProfile } from '../config/profile-schema.ts';
import { DEFAULT_MIGRATIONS_DIR } from './migration-files.ts';

/** The profile's `migrationsDir` (resolved against the profile's folder when loaded), else the bundled PWB schema. */
export function migrationsDirFor(profile: ResolvedProfile): string {
  return profile.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
}
