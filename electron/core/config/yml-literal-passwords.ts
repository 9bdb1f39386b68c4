import type { LineCounter, Node, Pair } from 'yaml';
import { ConsoleError } from '../../../shared/errors.ts';
import { BARE_REFERENCE } from './expand-variables.ts';
import { urlHoldsClearPassword } from './url-password.ts';

/*
 * The no-clear-password rule for a Rails database.yml. ERB is the file's `${VAR}`: a password written
 * through `<%= ENV[...] %>` lives in the environment, one typed into the file lives in every checkout
 * and every copy of it. So the check reads the value as the file has it, before ERB runs, with each ERB
 * tag standing for a reference, and decodes URLs as the connection will (`?pass%77ord=` is a password).
 */

/** Stands for one ERB output tag when the file's own text is checked. */
const ERB_REFERENCE = '${ERB}';

/** The value of a `key: value` pair as written in the source lines it spans, ERB tags replaced. */
function writtenValue(sourceLines: readonly string[], first: number, last: number, key: string): string {
  // An ERB tag that spans lines ends where its `%>` is: the rendered value sits on the tag's first line.
  let end = last;
  // (`<%%` is ERB's escape for a literal `<%`, no tag.)
  while (end < sourceLines.length && /<%(?!%)(?![\s\S]*%>)/.test(sourceLines.slice(first - 1, end).join('\n'))) end += 1;
  const text = sourceLines.slice(first - 1, end).join('\n');
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const afterKey = text.replace(new RegExp(`^\\s*(?:-\\s*)?["']?${escaped}["']?\\s*:\\s*`), '');
  const withoutComment = afterKey.replace(/\s+#[^'"]*$/, '').trim();
  const unquoted = /^(["'])([\s\S]*)\1$/.exec(withoutComment)?.[2] ?? withoutComment;
  return unquoted.replace(/<%=?[\s\S]*?%>/g, ERB_REFERENCE);
}

function holdsClearPassword(key: 'password' | 'url', written: string): boolean {
  if (written === '') return false;
  if (key === 'password') return !BARE_REFERENCE.test(written);
  return urlHoldsClearPassword(written);
}

/**
 * Throws CONFIG_INVALID when the entry's `password` or `url` (as found, merge keys included) holds a
 * password typed into the file. `pairOf` finds the pair that gave the entry its value.
 */
export function assertNoLiteralYmlPassword(context: {
  readonly file: string;
  readonly entryPath: string;
  readonly sourceLines: readonly string[];
  readonly lines: LineCounter;
  readonly pairOf: (key: string) => Pair | undefined;
  readonly keys: readonly ('password' | 'url')[];
}): void {
  for (const key of context.keys) {
    const pair = context.pairOf(key);
    const keyStart = (pair?.key as Node | undefined)?.range?.[0];
    if (pair === undefined || keyStart === undefined) continue;
    const valueEnd = (pair.value as Node | null | undefined)?.range?.[1] ?? keyStart;
    const first = context.lines.linePos(keyStart).line;
    const last = context.lines.linePos(Math.max(keyStart, valueEnd - 1)).line;
    // The pair's own key: `url`, or the environment's name where the whole environment is a URL (`production: postgres://...`).
    const written = writtenValue(context.sourceLines, first, last, String((pair.key as { value?: unknown }).value ?? key));
    if (!holdsClearPassword(key, written)) continue;
    throw new ConsoleError(
      'CONFIG_INVALID',
      `${context.file} line ${first}: ${context.entryPath}.${key} holds a password typed into the file. Read it from the environment instead: ${
        key === 'url'
          ? "url: <%= ENV['PWB_DATABASE_URL'] %> or postgres://USER:<%= ENV['PWB_DATABASE_PASSWORD'] %>@HOST/DB"
          : "password: <%= ENV['PWB_DATABASE_PASSWORD'] %>"
      }.`,
      { target: context.file, details: { entry: `${context.entryPath}.${key}`, line: first } },
    );
  }
}
