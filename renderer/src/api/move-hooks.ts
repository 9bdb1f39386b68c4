import { shouldPoll } from '../view/move-timeline.ts';
import { useQuery } from './hooks.ts';
import { usePolling } from './use-polling.ts';

/* The move pages' data: the list of move jobs and one job, over the shared query cache. */

const LIST_POLL_MS = 2000;

/** Every move job; read again on every visit (a job may have started elsewhere) and every 2 s while one runs. */
export function useMoveList() {
  const list = useQuery('moves.list', {}, { fresh: true });
  usePolling(
    list.refetch,
    (list.data?.jobs ?? []).some((j) => shouldPoll(j)),
    LIST_POLL_MS,
  );
  return list;
}

export const useMoveJob = (jobId: string) => useQuery('moves.get', { jobId });
