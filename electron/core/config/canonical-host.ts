import { isIP } from 'node:net';

/** The spellings of "this machine": loopback, and the unspecified address, which connects there too. */
const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::', '::ffff:7f00:1', '::ffff:0:0']);

/**
 * One spelling per host, without asking DNS: lower case, IPv4 in dotted quad however written (`127.1`,
 * `2130706433` and `0x7f.0.0.1` are all 127.0.0.1, as libc reads them), IPv6 compressed, and every
 * spelling of this machine as `localhost`. A socket directory stays as written. Two different spellings
 * can still be one server (a DNS alias): adding a shard compares the servers themselves.
 */
export function canonicalHost(host: string): string {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (bare.startsWith('/')) return host;
  let normalized = bare;
  try {
    normalized = new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}/`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    // not a host name URL parsing accepts: compare it as written
  }
  return LOCAL.has(normalized) ? 'localhost' : normalized;
}
