import type { z } from 'zod';
import { ConsoleError } from '../../../shared/errors.ts';
import { describeCodePoint, describeFinding, findControlCharacter } from '../dispatch/control-characters.ts';
import { findLiteralPasswords } from './find-literal-passwords.ts';
import { profileFileSchema, type ProfileFile } from './profile-schema.ts';

function invalid(file: string, message: string, details?: Record<string, unknown>): ConsoleError {
  return new ConsoleError('CONFIG_INVALID', `${file}: ${message}`, details === undefined ? { target: file } : { target: file, details });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`), '');
}

// zod says only "Invalid input" for a union; name the alternatives so the fix is obvious.
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue.message;
  const alternatives = issue.errors.map((branch) => {
    const first = branch[0];
    if (first?.code === 'invalid_type') return String(first.expected);
    if (first?.code === 'invalid_value') return first.values.map((value) => JSON.stringify(value)).join(' | ');
    return first?.message ?? 'another shape';
  });
  return `expected ${alternatives.join(' or ')}`;
}

/**
 * A profile as written: valid against the schema and free of clear-text passwords. Shared by the loader
 * and the writer, so a file the console writes is always one it can read back.
 */
export function checkProfileFile(value: unknown, file: string): ProfileFile {
  const result = profileFileSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 3).map((issue) => `${formatPath(issue.path) || '(top level)'}: ${describeIssue(issue)}`);
    const more = result.error.issues.length > 3 ? ` (and ${result.error.issues.length - 3} more)` : '';
    throw invalid(file, `${problems.join('; ')}${more}.`, { paths: result.error.issues.map((issue) => formatPath(issue.path)) });
  }
  const control = findControlCharacter(result.data);
  if (control !== null) {
    throw invalid(file, `${control.path} holds ${describeFinding(control)}. Remove it: no profile value needs one.`, {
      entry: control.path,
      codePoint: describeCodePoint(control.codePoint),
    });
  }
  const literal = findLiteralPasswords(result.data);
  if (literal.length > 0) {
    throw invalid(
      file,
      `${literal.join(', ')} ${literal.length === 1 ? 'holds' : 'hold'} a password in clear. Write it as \${VAR} (read from the environment) or use "passwordSecret": "NAME" (read from the OS keychain); profile files never keep passwords.`,
      { entries: literal },
    );
  }
  return result.data;
}
