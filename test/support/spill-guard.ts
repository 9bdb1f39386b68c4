import { expect } from 'vitest';

/*
 * For tests that a website read keeps its join in memory: a website of many properties, one photo each,
 * and a database whose new sessions hash in 128 kB (4,000 uuid keys take some 230 kB) and may write no
 * temp file, so a join that spills is refused instead of merely slower.
 */

type Sql = (database: string, text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

const PHOTOS_OF = `SELECT count(*) FROM pwb_prop_photos WHERE realty_asset_id IN (SELECT id FROM pwb_realty_assets WHERE website_id = $1)`;

/** Website `id` on `database`: `properties` properties with one photo each, statistics taken. */
export async function seedPropertiesWithPhotos(sql: Sql, database: string, id: number, properties: number): Promise<void> {
  await sql(
    database,
    `INSERT INTO pwb_realty_assets (website_id, reference, created_at, updated_at) SELECT $1, 'R' || g, now(), now() FROM generate_series(1, ${properties}) g`,
    [id],
  );
  await sql(
    database,
    `INSERT INTO pwb_prop_photos (realty_asset_id, image, created_at, updated_at) SELECT id, 'p.jpg', now(), now() FROM pwb_realty_assets WHERE website_id = $1`,
    [id],
  );
  await sql(database, 'ANALYZE pwb_realty_assets; ANALYZE pwb_prop_photos');
}

/**
 * Runs `work` while new sessions of `database` may not spill, having checked first that the plain join
 * of website `id`'s photos with its properties is refused there (the guard bites); the settings are
 * reset after, whatever happens.
 */
export async function withSpillsRefused(sql: Sql, database: string, id: number, work: () => Promise<void>): Promise<void> {
  const [{ name }] = (await sql(database, 'SELECT current_database() AS name')) as [{ name: string }];
  const settings = (value: string) => sql(database, `ALTER DATABASE "${name}" ${value}`);
  await settings(`SET work_mem = '64kB'`);
  await settings('SET temp_file_limit = 0');
  try {
    await expect(sql(database, PHOTOS_OF, [id])).rejects.toThrow(/temp_file_limit/);
    await work();
  } finally {
    await settings('RESET work_mem');
    await settings('RESET temp_file_limit');
  }
}
