import { tokenizeSql } from './sql-tokens.ts';

/**
 * pg_dump deparses with an empty search_path, so it writes `public.pwb_users`, `'public.s'::regclass`
 * and `public.gin_trgm_ops`; the live catalog reads the same expressions under the default search_path,
 * where `public` is visible and PostgreSQL leaves it out. Dropping `public.` (outside string literals,
 * and inside regclass literals) gives the live catalog's text. `keepBefore` protects a prefix that the
 * live text qualifies too (an index definition's `ON public.t`).
 */
export function unqualifyPublic(text: string, keepBefore = 0): string {
  if (!text.includes('public.')) return text;
  const tokens = tokenizeSql(text);
  const cuts: Array<[number, number]> = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.start < keepBefore) continue;
    const previous = tokens[i - 1];
    const dot = tokens[i + 1];
    if (token.kind === 'word' && token.value === 'public' && dot?.value === '.' && dot.start === token.end && previous?.value !== '.') {
      cuts.push([token.start, dot.end]);
    } else if (token.kind === 'string' && token.value.startsWith("'public.") && tokens[i + 1]?.value === '::' && tokens[i + 2]?.value === 'regclass') {
      cuts.push([token.start + 1, token.start + 8]);
    }
  }
  let out = '';
  let from = 0;
  for (const [start, end] of cuts) {
    out += text.slice(from, start);
    from = end;
  }
  return out + text.slice(from);
}
