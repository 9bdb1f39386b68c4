import { z } from 'zod';

export const websiteId = z.number().int().positive().max(2_147_483_647);
export const shardName = z.string().min(1).max(63);
/** A file or folder path on the console's machine. */
export const pathParam = z.string().min(1).max(4096);
