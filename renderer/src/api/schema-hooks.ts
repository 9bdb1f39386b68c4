import { useQuery } from './hooks.ts';

/* The migrations and drift pages' data, over the shared query cache. */

export const useMigrationStatus = () => useQuery('migrations.status', {});
export const useSchemaDrift = () => useQuery('schema.drift', {});
export const useSchemaLint = () => useQuery('schema.lint', {});
