import type { JobKind, JobProgressEvent } from '../../../shared/methods/job-methods.ts';
import type { CallContext } from '../call-context.ts';
import type { ConsoleContext } from '../console-context.ts';
import type { RunningJob } from './job-registry.ts';

/**
 * A call whose work is a job for as long as the call lasts (a size scan): listed on the Jobs page while
 * it runs, its progress sent as the call's events, stopped by the call's cancel or by `jobs.stop`.
 */
export async function runCallAsJob<T>(
  ctx: ConsoleContext,
  call: CallContext<JobProgressEvent>,
  spec: { kind: JobKind; title: string },
  work: (job: RunningJob) => Promise<T>,
): Promise<T> {
  const { id, done } = ctx.jobs.start({ ...spec, caller: call.caller }, work);
  const unsubscribe = ctx.jobs.subscribe(id, (event) => call.emit(event));
  const stop = () => ctx.jobs.stop(id, call.caller);
  call.signal.addEventListener('abort', stop, { once: true });
  // A cancel that came before the listener (between the call's arrival and here) stops the job too.
  if (call.signal.aborted) stop();
  try {
    return await done;
  } finally {
    unsubscribe?.();
    call.signal.removeEventListener('abort', stop);
  }
}
