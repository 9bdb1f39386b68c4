import { describe, expect, it } from 'vitest';
import { ConsoleError } from '../../../shared/errors.ts';
import { expandVariables } from '../../../electron/core/config/expand-variables.ts';

const where = { file: 'p.json', entry: 'primary.host' };

describe('expandVariables', () => {
  it('replaces ${VAR} and uses ${VAR:-default} when unset or empty', () => {
    const env = { A: 'alpha', EMPTY: '' };
    expect(expandVariables('x-${A}-${B:-bee}-${EMPTY:-e}-$HOME', env, where)).toBe('x-alpha-bee-e-$HOME');
    expect(expandVariables('${EMPTY}', env, where)).toBe('');
  });

  it('names the file, entry and variable when one is missing, and refuses broken references', () => {
    expect(() => expandVariables('${NOPE}', {}, where)).toThrowError(
      expect.objectContaining({
        code: 'CONFIG_MISSING_VARIABLE',
        target: 'p.json',
        message: expect.stringContaining('p.json: primary.host uses ${NOPE}, but NOPE is not set'),
      }),
    );
    // A reference inside a default is not supported: it became the literal text "${B}".
    for (const broken of ['${A', '${1X}', '${A B}', '${UNSET:-${A}}', 'x${UNSET:-${A}_s}']) {
      let caught: unknown;
      try {
        expandVariables(broken, { A: 'a' }, where);
      } catch (error) {
        caught = error;
      }
      expect(caught, broken).toBeInstanceOf(ConsoleError);
      expect((caught as ConsoleError).code).toBe('CONFIG_INVALID');
    }
  });
});
