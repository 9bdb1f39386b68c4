/*
 * Browser mode: the server prints `http://127.0.0.1:PORT/#token=TOKEN`. The token is read from the
 * address once, kept in sessionStorage (it survives reloads of this tab only) and removed from the
 * address bar so it does not end up in screenshots, history or a copied link.
 */

const STORAGE_KEY = 'shard-console.token';

export interface TokenSplit {
  token: string | null;
  /** The hash without the token parameter, `''` when nothing else was in it. */
  rest: string;
}

/** Splits `#token=abc` or `#token=abc&x=1` (or `#/tenants?token=abc`) into the token and what remains. */
export function splitTokenFromHash(hash: string): TokenSplit {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryAt = raw.indexOf('?');
  const [path, query] = raw.startsWith('/') ? [raw.slice(0, queryAt < 0 ? raw.length : queryAt), queryAt < 0 ? '' : raw.slice(queryAt + 1)] : ['', raw];
  const params = new URLSearchParams(query);
  const token = params.get('token');
  if (token === null) return { token: null, rest: hash };
  params.delete('token');
  const remaining = params.toString();
  const rest = path === '' ? (remaining === '' ? '' : `#${remaining}`) : `#${path}${remaining === '' ? '' : `?${remaining}`}`;
  return { token: token === '' ? null : token, rest };
}

/** Moves a token from the address bar into sessionStorage. Call once, before the router reads the hash. */
export function adoptTokenFromLocation(): void {
  const { token, rest } = splitTokenFromHash(window.location.hash);
  if (token === null) return;
  try {
    window.sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    memoryToken = token;
  }
  const url = `${window.location.pathname}${window.location.search}${rest === '' ? '#/overview' : rest}`;
  window.history.replaceState(window.history.state, '', url);
}

let memoryToken: string | null = null;

export function sessionToken(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}
