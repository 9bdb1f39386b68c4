import { ConsoleError } from '../../../shared/errors.ts';

/*
 * Control characters at the boundary. PostgreSQL refuses a NUL in text (SQLSTATE 22021) only after
 * the console has acted on the rest of a call (a database created, a profile written), and an escape
 * sequence echoed in a message rewrites the operator's terminal. Every transport refuses them before
 * anything runs: the dispatcher for IPC and HTTP, the CLI for its arguments, the profile checker for files.
 */

/** Where a refused character sits: the parameter path (`url`, `shards.shard_1.host`) and its code point. */
export interface ControlCharacterFinding {
  readonly path: string;
  readonly codePoint: number;
  /**
   * `control`: NUL, C0 or C1; `surrogate`: half of a UTF-16 pair, which no database text can hold;
   * `depth`: nested deeper than any method's parameters go (the walk stops there; codePoint is 0).
   */
  readonly kind: 'control' | 'surrogate' | 'depth';
}

// NUL and every C0 and C1 control except tab, newline and carriage return (multi-line SQL needs those), and DEL.
const REFUSED = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** No method's parameters nest this deep; a body that does is refused before anything walks it further. */
const MAX_DEPTH = 32;

function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const safeKey = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  return parent === '' ? safeKey : `${parent}.${safeKey}`;
}

function inString(text: string, path: string): ControlCharacterFinding | null {
  const control = REFUSED.exec(text);
  if (control) return { path, codePoint: control[0].codePointAt(0)!, kind: 'control' };
  const surrogate = LONE_SURROGATE.exec(text);
  if (surrogate) return { path, codePoint: surrogate[0].codePointAt(0)!, kind: 'surrogate' };
  return null;
}

/** The first refused character in any string of `value` (object keys included), or null. */
export function findControlCharacter(value: unknown, path = ''): ControlCharacterFinding | null {
  const seen = new Set<object>();
  const walk = (node: unknown, at: string, depth: number): ControlCharacterFinding | null => {
    if (typeof node === 'string') return inString(node, at || 'value');
    if (node === null || typeof node !== 'object' || seen.has(node)) return null;
    if (depth > MAX_DEPTH) return { path: at || 'params', codePoint: 0, kind: 'depth' };
    seen.add(node);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const found = walk(node[i], joinPath(at, i), depth + 1);
        if (found) return found;
      }
      return null;
    }
    for (const [key, child] of Object.entries(node)) {
      const inKey = inString(key, at === '' ? 'a parameter name' : `a key of ${at}`);
      if (inKey) return inKey;
      const found = walk(child, joinPath(at, key), depth + 1);
      if (found) return found;
    }
    return null;
  };
  return walk(value, path, 0);
}

/** `U+0000`: how a refused character is named in messages (never printed raw: it could drive the terminal). */
export function describeCodePoint(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** What was found, in words: `the control character U+0000`. */
export function describeFinding(finding: ControlCharacterFinding): string {
  if (finding.kind === 'depth') return `nesting deeper than ${MAX_DEPTH} levels`;
  if (finding.kind === 'surrogate') return `half of a UTF-16 surrogate pair (${describeCodePoint(finding.codePoint)}), which is not text`;
  return `the control character ${describeCodePoint(finding.codePoint)}`;
}

/** The sentence every transport answers with, naming the parameter and the character. */
export function controlCharacterMessage(finding: ControlCharacterFinding, subject: string): string {
  if (finding.kind === 'depth')
    return `${subject}: ${finding.path} is nested more than ${MAX_DEPTH} levels deep. Send the parameters the method takes, as a flat JSON object.`;
  return `${subject}: ${finding.path} holds ${describeFinding(finding)}. Remove it and send the value again; only tab, newline and carriage return are accepted among control characters.`;
}

/** Throws INVALID_PARAMS when any string in `value` holds a refused character. */
export function assertNoControlCharacters(value: unknown, subject: string, target?: string): void {
  const finding = findControlCharacter(value);
  if (finding === null) return;
  throw new ConsoleError('INVALID_PARAMS', controlCharacterMessage(finding, subject), {
    ...(target === undefined ? {} : { target }),
    details: { path: finding.path, codePoint: describeCodePoint(finding.codePoint) },
  });
}
