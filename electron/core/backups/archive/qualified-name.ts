import { isIdentifier } from './sql-tokens.ts';
import type { SqlToken } from './sql-tokens.ts';

export interface QualifiedName {
  /** Null when the SQL left the name unqualified (1.12 archives' COPY statements). */
  readonly schema: string | null;
  readonly name: string;
  /** Index of the first token after the name. */
  readonly next: number;
}

/** Reads `name` or `schema.name` (either part quoted or not) at tokens[at]; null when no identifier is there. */
export function readQualifiedName(tokens: readonly SqlToken[], at: number): QualifiedName | null {
  const first = tokens[at];
  if (!isIdentifier(first)) return null;
  const dot = tokens[at + 1];
  const second = tokens[at + 2];
  if (dot?.kind === 'punct' && dot.value === '.' && isIdentifier(second)) return { schema: first.value, name: second.value, next: at + 3 };
  return { schema: null, name: first.value, next: at + 1 };
}
