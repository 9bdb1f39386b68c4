/* The side list of saved queries and history: how an entry reads in one line. */

const PREVIEW_LENGTH = 120;

/** A statement on one line (whitespace and comments' line breaks collapsed), cut with an ellipsis. */
export function statementPreview(sql: string, length = PREVIEW_LENGTH): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length <= length ? line : `${line.slice(0, length - 1)}…`;
}

/** Save under a name: the one typed, trimmed; null when there is nothing to save it under. */
export function savedQueryName(typed: string): string | null {
  const name = typed.trim();
  return name === '' || name.length > 200 ? null : name;
}
