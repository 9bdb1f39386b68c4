/*
 * What must never reach a log line, whatever the message: the values known to be secret, and anything
 * shaped like one (a password in a URL or a key=value, a bearer token, a #token= fragment).
 */

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // postgres://user:secret@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1[redacted]@'],
  // password=secret, "password": "secret", PGPASSWORD=secret, sslpassword secret
  [/((?:pg)?(?:ssl)?pass(?:word)?["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi, '$1[redacted]'],
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
