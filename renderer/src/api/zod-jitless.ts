import { z } from 'zod';

/*
 * zod 4 compiles object parsers with `new Function` unless told not to, and decides when a schema is
 * built. The renderer's CSP forbids eval, so this module must run before the contract is evaluated:
 * it is the first import of main.tsx and of the API client.
 */
z.config({ jitless: true });
