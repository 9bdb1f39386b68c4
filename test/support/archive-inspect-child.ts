import { inspectArchive } from '../../electron/core/backups/archive/inspect-archive.ts';
import { openArchive } from '../../electron/core/backups/archive/open-archive.ts';

/*
 * `node archive-inspect-child.js FILE`: counts an archive (rows per table and per website) and prints,
 * as one JSON line, the counts, the time the reading took and this process's peak RSS. The backup bench
 * bundles this file and runs it in plain Node (as the console's bundled main process runs the reader),
 * so the peak RSS is the reader's and the runtime's, not a TypeScript loader's.
 */

const file = process.argv[2];
if (!file) throw new Error('usage: archive-inspect-child FILE');
const started = performance.now();
const archive = await openArchive(file);
try {
  const inspection = await inspectArchive(archive);
  if (!inspection.complete) throw new Error(inspection.error?.message ?? 'incomplete');
  const ms = performance.now() - started;
  const rows = Object.fromEntries(inspection.tables.map((t) => [t.table, t.rows]));
  process.stdout.write(`${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, rows, websites: inspection.websites.length })}\n`);
} finally {
  await archive.close();
}
