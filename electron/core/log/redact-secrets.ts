/*
 * What must never reach a log line, whatever the message: the values known to be secret, and anything
 * shaped like one (a password in a URL or a key=value, a bearer token, a #token= fragment).
 */

/** Keys whose value is secret: password, PGPASSWORD, sslpassword, passwd, any *token, secret, api_key. */
// Anchored at the start of a word: an unanchored [a-z_-]* would try every start inside a long word (quadratic).
const KEY = String.raw`(?<![a-z_-])(?:(?:pg)?(?:ssl)?pass(?:word)?|passwd|[a-z_-]*token|secret|api[_-]?key)`;
// A colon or an equals sign, never a `::` cast (`manage_token::text` is SQL, not a value).
const ASSIGN = String.raw`["']?\s*(?:=|:(?!:))\s*`;

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // postgres://user:secret@host, the secret holding an @ of its own too (the authority ends at its last @).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s/]+@/gi, '$1[redacted]@'],
  // password='my secret' (a libpq keyword string quotes a value with spaces), "token": "x y"
  [new RegExp(String.raw`(${KEY}${ASSIGN})'(?:[^'\\]|\\.)*'`, 'gi'), "$1'[redacted]'"],
  [new RegExp(String.raw`(${KEY}${ASSIGN})"(?:[^"\\]|\\.)*"`, 'gi'), '$1"[redacted]"'],
  // password=secret, PGPASSWORD=secret, password: yaml-pass, x-api-token: abc (a ; is part of a libpq value)
  [new RegExp(String.raw`(${KEY}${ASSIGN})[^\s"'&,}]+`, 'gi'), '$1[redacted]'],
  // SQL: ALTER ROLE app PASSWORD 'secret', CREATE ROLE ... ENCRYPTED PASSWORD 'secret', U&'...', E'...', $$...$$
  [/(\bpassword\s+)(?:U&)?'(?:[^']|'')*'/gi, "$1'[redacted]'"],
  [/(\bpassword\s+)E'(?:[^'\\]|''|\\.)*'/gi, "$1'[redacted]'"],
  // PASSWORD'secret' (no space: SQL too). After the spaced ones: a string that merely ends in "password"
  // ('rotates its password') matches here up to the next quote, and must not eat the opening quote of
  // a PASSWORD 'secret' further on before that one is cut out; what it cuts too much is only a log's text.
  [/(\bpassword)'(?:[^']|'')*'/gi, "$1'[redacted]'"],
  // A dollar quote's tag is case-sensitive ($Ab$ does not end at $ab$): no i flag, the keyword spelt out.
  [/(\b[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]\s+)\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\2\$/g, "$1'[redacted]'"],
  // Authorization: Basic/Bearer/Digest credentials, and a bare bearer token
  [/(\bauthorization["']?\s*[:=]\s*["']?[a-z]+\s+)[^\s"',}]+/gi, '$1[redacted]'],
  [/(\bBearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]'],
  [/([#?&]token=)[^\s&]+/gi, '$1[redacted]'],
];

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(secret).join('[redacted]');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
