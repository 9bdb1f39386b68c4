import { z } from 'zod';

/** A method that sends no events while it runs: its callers get only the result. */
export const noEvents = z.never();

export interface MethodOptions<E extends z.ZodType> {
  /** Changes the cluster: refused on a read-only profile before it runs. */
  readonly mutates?: boolean;
  /** What the method emits while it runs (progress, streamed result chunks), validated like its result. */
  readonly events?: E;
}

/** One contract entry: params, result and event schemas plus the sentence the docs and `help` show. */
export function method<P extends z.ZodType, R extends z.ZodType, E extends z.ZodType = typeof noEvents>(
  params: P,
  result: R,
  summary: string,
  options: MethodOptions<E> = {},
) {
  return { params, result, summary, mutates: options.mutates ?? false, events: (options.events ?? noEvents) as E } as const;
}
