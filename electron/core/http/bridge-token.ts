import { randomBytes } from 'node:crypto';
import { ConsoleError } from '../../../shared/errors.ts';

/*
 * The bridge's token is the only thing between any local process (or a page the browser opened) and
 * every method of the console, moves included. A fixed one (SHARD_CONSOLE_TOKEN, for automation) must
 * be as hard to guess as the random one the bridge makes itself: 32 random bytes, base64url.
 */

export const MIN_TOKEN_LENGTH = 32;
const TOKEN_CHARACTERS = /^[A-Za-z0-9._~+/=-]+$/;

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Bits per character of the token's own character frequencies: ~3.9 for 32 random hex digits, 0 for "aaaa...". */
function characterEntropy(token: string): number {
  const counts = new Map<string, number>();
  for (const char of token) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) bits -= (count / token.length) * Math.log2(count / token.length);
  return bits;
}

/** The longest run that counts up or down by one, or repeats (abcdefghij, 9876543210, aaaaaaaaaa). */
function longestSequence(token: string): number {
  let longest = 1;
  let run = 1;
  let previousStep = NaN;
  for (let i = 1; i < token.length; i++) {
    const step = token.charCodeAt(i) - token.charCodeAt(i - 1);
    run = Math.abs(step) <= 1 && step === previousStep ? run + 1 : Math.abs(step) <= 1 ? 2 : 1;
    previousStep = step;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** Why a token given from outside is too weak, or null when it looks random enough. */
export function weakTokenReason(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) return `it has ${token.length} characters; at least ${MIN_TOKEN_LENGTH} are needed`;
  if (token.length > 512) return 'it is longer than 512 characters';
  if (!TOKEN_CHARACTERS.test(token)) return 'it holds characters other than letters, digits and . _ ~ + / = -';
  // Thresholds a random token misses by far (32 random hex digits: at least ~9 distinct, ~2.7 bits each).
  if (new Set(token).size < 8 || characterEntropy(token) < 2.5) return 'it repeats too few characters to be random';
  if (longestSequence(token) >= 10) return 'it holds a run like "abcdefghij" or "1111111111"';
  return null;
}

/** Refuses to start the bridge on a guessable token, saying how to make a good one. */
export function assertStrongToken(token: string, source: string): void {
  const reason = weakTokenReason(token);
  if (reason === null) return;
  throw new ConsoleError(
    'CONFIG_INVALID',
    `${source} is too weak to guard the console: ${reason}. Leave it unset for a random token per run, or set it to 32 random bytes, e.g. \`openssl rand -base64 32\` or \`node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"\`.`,
    { target: source },
  );
}
