import type { z } from 'zod';

/** One contract entry: params and result schemas plus the sentence the docs and `help` show. */
export function method<P extends z.ZodType, R extends z.ZodType>(params: P, result: R, summary: string, options: { mutates?: boolean } = {}) {
  return { params, result, summary, mutates: options.mutates ?? false } as const;
}
