import { BARE_REFERENCE } from './expand-variables.ts';

/**
 * Where the password sits in a connection URL as written (`scheme://user:PASSWORD@host/...`), found on
 * the raw text: a `${VAR}` there must be checked and substituted before URL parsing would mangle it.
 */
export function locateUrlPassword(url: string): { readonly start: number; readonly end: number; readonly text: string } | undefined {
  // Slashes after the scheme counted loosely: `postgres:/user:pw@host/db`, a typo URL parsing reads as a
  // path, still holds a password here.
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/*/.exec(url);
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

/** Query parameters that carry a secret, compared after decoding (`pass%77ord` is `password`) and in any case. */
const SECRET_PARAMETERS = new Set(['password', 'sslpassword']);

/** The raw query of a URL as written, `${...}` spans skipped so a default value cannot end it early. */
function rawQuery(url: string): string {
  let at = 0;
  let start = -1;
  while (at < url.length) {
    if (url.startsWith('${', at)) {
      const close = url.indexOf('}', at);
      at = close === -1 ? url.length : close + 1;
      continue;
    }
    const char = url[at];
    if (char === '#') break;
    if (char === '?' && start === -1) start = at + 1;
    at++;
  }
  return start === -1 ? '' : url.slice(start, at);
}

/**
 * Every secret-carrying query parameter of a URL, with its value as written: each occurrence, its name
 * decoded exactly as the URL parser decodes it (so the check and the connection agree on what is a password).
 */
export function urlQuerySecrets(url: string): Array<{ readonly name: string; readonly raw: string }> {
  const found: Array<{ name: string; raw: string }> = [];
  for (const piece of rawQuery(url).split('&')) {
    if (piece === '') continue;
    const [decodedName] = [...new URLSearchParams(piece).keys()];
    if (decodedName === undefined || !SECRET_PARAMETERS.has(decodedName.toLowerCase())) continue;
    const equals = piece.indexOf('=');
    found.push({ name: decodedName, raw: equals === -1 ? '' : piece.slice(equals + 1) });
  }
  return found;
}

/**
 * True when a URL as written holds a password in clear: in its user info or in any occurrence of a
 * secret query parameter, however encoded. Only a bare `${VAR}` as written counts as a reference; an
 * encoded one (`%24%7BVAR%7D`) is not expanded and so is refused too.
 */
export function urlHoldsClearPassword(url: string): boolean {
  const inUserInfo = locateUrlPassword(url);
  if (inUserInfo !== undefined && !BARE_REFERENCE.test(inUserInfo.text)) return true;
  return urlQuerySecrets(url).some((secret) => secret.raw !== '' && !BARE_REFERENCE.test(secret.raw));
}
