import { test, expect } from './fixtures.ts';

const HUMAN_SIZE = /^\d+(\.\d+)? (B|kB|MB|GB|TB)$/;

test('the overview lists the three databases, each reachable, with sizes in human units', async ({ app }) => {
  const overview = await app.overview();
  await overview.ready();
  await expect(overview.heading).toBeVisible();

  expect(await overview.databaseNames()).toEqual(['default', 'shard_1', 'shard_2']);
  for (const name of ['default', 'shard_1', 'shard_2']) {
    await expect(overview.database(name)).toHaveAttribute('data-reachable', 'true');
    await expect(overview.status(name)).toHaveText('reachable');
    await expect(overview.size(name)).toHaveText(HUMAN_SIZE);
  }
  await expect(overview.unknownShardsPanel).toHaveCount(0);
  await expect(app.profileName.locator('.sidebar__profile-name')).not.toHaveText('…');
  await expect(app.nav.getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');

  // Charts are drawn once their container has a size.
  await expect(app.page.locator('.recharts-bar-rectangle').first()).toBeVisible();
  await app.screenshot('overview.png');
});
