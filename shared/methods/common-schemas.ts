import { z } from 'zod';

export const websiteId = z.number().int().positive().max(2_147_483_647);
export const shardName = z.string().min(1).max(63);
