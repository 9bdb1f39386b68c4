import { ConsoleError } from '../../shared/errors.ts';
import { controlCharacterMessage, describeCodePoint, findControlCharacter } from '../core/dispatch/control-characters.ts';

/** How an argument is named in a refusal: the option it is the value of, or its position. */
function argumentName(argv: readonly string[], index: number): string {
  const arg = argv[index]!;
  const inline = /^(--?[A-Za-z][\w-]*)=/.exec(arg);
  if (inline) return `the value of ${inline[1]}`;
  const previous = argv[index - 1];
  if (previous !== undefined && /^--?[A-Za-z][\w-]*$/.test(previous)) return `the value of ${previous}`;
  return `argument ${index + 1}`;
}

/**
 * The dispatcher's rule for the command line, before any command runs: commands that call services
 * directly (move, shard add, migrate) are covered as well as those going through the dispatcher.
 * The refusal names the argument and never prints the character (it could drive the terminal).
 */
export function assertArgumentsPrintable(argv: readonly string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const finding = findControlCharacter(argv[i]);
    if (finding === null) continue;
    const located = { ...finding, path: argumentName(argv, i) };
    throw new ConsoleError('INVALID_PARAMS', controlCharacterMessage(located, 'Invalid command line'), {
      details: { argument: i + 1, codePoint: describeCodePoint(finding.codePoint) },
    });
  }
}
