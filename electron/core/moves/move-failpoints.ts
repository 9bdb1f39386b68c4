/*
 * Failpoints for crash tests: `SHARD_CONSOLE_FAILPOINT=after:copy` (or `before:switch`, `copy:mid`, ...)
 * makes the process SIGKILL itself at that point, the way a power cut or an OOM kill would. Unset in
 * normal runs, where each check is one string comparison.
 */
export function failpoint(name: string): void {
  const wanted = process.env.SHARD_CONSOLE_FAILPOINT;
  if (wanted && wanted === name) process.kill(process.pid, 'SIGKILL');
}
