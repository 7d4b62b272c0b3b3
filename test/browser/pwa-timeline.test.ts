import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allIds, until, DESKTOP, ensureWebBuilt, browserPool, pageState, PHONE, screenshot, writeLibrary } from '../helpers/browser.js';
import { startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

const ITEMS = 5000;
// Page-side code as strings: the test tsconfig has no DOM types.
const SCROLL_TO_END = 'window.scrollTo(0, document.documentElement.scrollHeight)';

void describe('PWA timeline over 5,000 items', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let expected: string[];
  const browsers = browserPool();

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-media-');
    await writeLibrary(media.dir, { count: ITEMS, months: 30, perFolder: 1000 });
    // Thumbnails render on demand here: pre-rendering 5,000 would only slow the test down.
    server = await startTestServer({ media: media.dir, config: { thumbnails: { pregenerate: false } } });
    expected = await allIds(server.url);
    assert.equal(expected.length, ITEMS, 'the server indexed every file');
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
  });

  for (const profile of [PHONE, DESKTOP]) {
    void it(`${profile.name}: renders the first thumbnails, then every item once while the DOM stays bounded`, async () => {
      const session = await browsers.open(profile);
      const { page } = session;
      await page.goto(server.url);
      await page.waitForSelector('.tile.loaded', { timeout: 20_000 });
      const first = await pageState(page);
      assert.ok(first.tiles > 0 && first.tiles < 200, `a screenful of tiles, got ${first.tiles}`);
      assert.deepEqual(first.ids, expected.slice(0, first.ids.length), 'the first page is the newest items in server order');
      const img = await page.$eval('.tile img', (el) => el.getAttribute('srcset') ?? '');
      assert.match(img, /\/thumb\/small\?v=.+ \d+w/, 'thumbnails come from the small rendition with width descriptors');
      await screenshot(page, `timeline-${profile.name}`);

      // Jump to the bottom again and again: each jump makes the page fetch the next cursor page,
      // and the grid must render only what is near the viewport wherever it lands.
      let maxTiles = 0;
      let maxNodes = 0;
      for (let step = 0; step < 100; step++) {
        const before = await pageState(page);
        maxTiles = Math.max(maxTiles, before.tiles);
        maxNodes = Math.max(maxNodes, before.nodes);
        if (before.done) break;
        await page.evaluate(SCROLL_TO_END);
        await waitFor(
          async () => {
            const now = await pageState(page);
            return now.ids.length > before.ids.length || now.done ? true : undefined;
          },
          { timeoutMs: 15_000, what: 'the next page' },
        );
      }
      await page.evaluate(SCROLL_TO_END);
      await until(page, "document.querySelectorAll('.tile').length > 0");
      const final = await pageState(page);
      assert.equal(final.ids.length, ITEMS, 'every item was loaded');
      assert.equal(new Set(final.ids).size, ITEMS, 'no item appears twice');
      assert.deepEqual(final.ids, expected, 'same items in the same order as the API: no gaps');
      assert.ok(maxTiles < 400, `tile elements stay bounded while scrolling (max ${maxTiles})`);
      assert.ok(maxNodes < 3000, `DOM stays light (max ${maxNodes} nodes)`);
      const lastId = await page.$$eval('.tile', (els) => els.map((el) => el.getAttribute('data-id')).pop());
      assert.equal(lastId, expected[ITEMS - 1], 'the oldest item is rendered at the very end');
      assert.deepEqual(session.errors, [], 'no console errors');
    });
  }

  void it('desktop: the scrubber jumps to the oldest year, far beyond the loaded pages, and shows its photos', async () => {
    const { page, errors } = await browsers.open(DESKTOP);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded', { timeout: 20_000 });
    // The scrubber's counts are asked for once the first screen is drawn.
    await until(page, "document.querySelectorAll('#scrubber button.year').length >= 3", { what: "the scrubber's year marks" });
    const years = await page.$$eval('#scrubber button.year', (buttons) => buttons.map((b) => b.getAttribute('data-key') ?? ''));
    const target = years[years.length - 1]!; // the newest month of the oldest year, e.g. 2022-12
    assert.ok(years.length >= 3 && target < years[0]!, `year marks ${years.join(', ')}`);
    const [year, month] = target.split('-').map(Number) as [number, number];
    const monthIds = await allIds(server.url, `year=${year}&month=${month}`);
    assert.ok(monthIds.length > 0);
    const loadedBefore = await page.evaluate('window.spis.app.loader.store.size');
    assert.ok(Number(loadedBefore) < ITEMS / 2, 'the target lies beyond what the first pages loaded');

    await page.click(`#scrubber button.year[data-key="${target}"]`);
    const inView = `((el) => el && el.getBoundingClientRect().bottom > 0 && el.getBoundingClientRect().top < innerHeight)`;
    await until(page, `${inView}(document.querySelector('h2.month[data-key="${target}"]'))`, { timeoutMs: 20_000, what: `the ${target} header in view` });
    await until(page, `${JSON.stringify(monthIds)}.some((id) => ${inView}(document.querySelector('.tile.loaded[data-id="' + id + '"]')))`, {
      timeoutMs: 20_000,
      what: `a loaded photo of ${target} in view`,
    });
    await screenshot(page, 'scrubber-jump-desktop');
    assert.deepEqual(errors, [], 'no console errors');
  });
});
