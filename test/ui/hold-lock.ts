import pg from 'pg';
import type { UiServer } from './ui-server.ts';

/** A session of its own holding a lock until released (the fixture's shared clients stay free). */
export async function holdLock(ui: UiServer, database: string, table: string, mode: string): Promise<() => Promise<void>> {
  const target = ui.databases.find((d) => d.name === database)!;
  const client = new pg.Client({ host: target.host, port: target.port, database: target.database, user: target.user, password: ui.password });
  client.on('error', () => {});
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
  };
}
