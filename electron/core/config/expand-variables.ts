import { ConsoleError } from '../../../shared/errors.ts';

/** Environment variables as `process.env` holds them; passed in so loading never reads globals. */
export type Environment = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\{([^}]*)\}/g;
const REFERENCE_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** A value that is one `${VAR}` and nothing else: the only form a password may take in a profile. */
export const BARE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` (default when unset or empty, as in the shell).
 * `where` names the file and entry, e.g. `shards.shard_1.url`, so the error tells the reader what to fix.
 */
export function expandVariables(value: string, env: Environment, where: { file: string; entry: string }): string {
  if (value.replace(REFERENCE, '').includes('${')) {
    throw new ConsoleError('CONFIG_INVALID', `${where.file}: ${where.entry} has a "\${" without its closing "}".`, {
      target: where.file,
      details: { entry: where.entry },
    });
  }
  return value.replace(REFERENCE, (_match, body: string) => {
    const parts = REFERENCE_BODY.exec(body);
    if (parts === null) {
      throw new ConsoleError(
        'CONFIG_INVALID',
        `${where.file}: ${where.entry} has "\${${body}}", which is not a variable reference. Write \${NAME} or \${NAME:-default}.`,
        { target: where.file, details: { entry: where.entry } },
      );
    }
    const name = parts[1] as string;
    const fallback = parts[2];
    // `${A:-${B}}` would read as A's default "${B" and a stray "}": the text "${B}" used as a value.
    if (fallback?.includes('${')) {
      throw new ConsoleError(
        'CONFIG_INVALID',
        `${where.file}: ${where.entry} has a reference inside \${${name}:-...}'s default, which is not supported. Write the default's value itself, or set ${name}.`,
        { target: where.file, details: { entry: where.entry } },
      );
    }
    const found = env[name];
    if (found !== undefined && (found !== '' || fallback === undefined)) return found;
    if (fallback !== undefined) return fallback;
    throw new ConsoleError(
      'CONFIG_MISSING_VARIABLE',
      `${where.file}: ${where.entry} uses \${${name}}, but ${name} is not set. Set ${name} in the environment Shard Console starts in, or write \${${name}:-value} to give a default.`,
      { target: where.file, details: { entry: where.entry, variable: name } },
    );
  });
}
