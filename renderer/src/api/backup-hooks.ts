import { useQuery } from './hooks.ts';

/* The Backups page's data, over the shared query cache. */

export const useBackupList = (options: { fresh?: boolean } = {}) => useQuery('backup.list', {}, options);
