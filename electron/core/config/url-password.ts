/**
 * Where the password sits in a connection URL as written (`scheme://user:PASSWORD@host/...`), found on
 * the raw text: a `${VAR}` there must be checked and substituted before URL parsing would mangle it.
 */
export function locateUrlPassword(url: string): { readonly start: number; readonly end: number; readonly text: string } | undefined {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (scheme === null) return undefined;
  const authorityStart = scheme[0].length;
  const rest = url.slice(authorityStart);
  // A `${VAR}` may hold characters URL parsing treats as delimiters; only its braces bound it here.
  const authority = /^(?:\$\{[^}]*\}|[^/?#])*/.exec(rest)?.[0] ?? '';
  const at = authority.lastIndexOf('@');
  if (at === -1) return undefined;
  const colon = authority.slice(0, at).indexOf(':');
  if (colon === -1) return undefined;
  const start = authorityStart + colon + 1;
  const end = authorityStart + at;
  return end > start ? { start, end, text: url.slice(start, end) } : undefined;
}
