import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bootMarkup, decodedFormat, preloadedThumbs } from '../../server/api/first-screen.js';
import type { MediaPage } from '../../server/shared/api-types.js';
import { BOOT_ELEMENT_ID, type BootData } from '../../server/shared/boot.js';
import { addUser, as, cookieOf, login } from '../helpers/auth.js';
import { ensureWebBuilt } from '../helpers/browser.js';
import { treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, waitFor, type TestServer } from '../helpers/spis.js';

/** What Chromium sends when it loads a page (navigation), as opposed to a script's fetch. */
const NAVIGATION = {
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  accept:
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8',
};

interface Shell {
  status: number;
  headers: Headers;
  html: string;
  boot: (BootData & { page?: MediaPage }) | null;
  preloads: string[];
}

async function shell(
  server: TestServer,
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<Shell> {
  const response = await fetch(`${server.url}${pathAndQuery}`, { headers });
  const html = await response.text();
  const script = new RegExp(
    `<script type="application/json" id="${BOOT_ELEMENT_ID}">([^<]*)</script>`,
  ).exec(html);
  const preloads = [...html.matchAll(/<link rel="preload" as="image" href="([^"]+)"/g)].map(
    (match) => match[1]!.replace(/&amp;/g, '&'),
  );
  return {
    status: response.status,
    headers: response.headers,
    html,
    boot: script ? (JSON.parse(script[1]!) as Shell['boot']) : null,
    preloads,
  };
}

void describe('the app shell carries the first screen', () => {
  void describe('pure parts', () => {
    it('reads the format from a navigation Accept, and nothing from one that names no image type', () => {
      assert.equal(decodedFormat(NAVIGATION.accept), 'avif');
      assert.equal(decodedFormat('text/html,image/webp,*/*;q=0.8'), 'webp');
      assert.equal(decodedFormat('text/html,application/xhtml+xml,*/*;q=0.8'), null);
    });

    it('escapes every "<", so a file name cannot close the script element', () => {
      const page = Buffer.from(
        JSON.stringify({
          items: [{ name: '</script><script>alert(1)</script>.jpg' }],
          nextCursor: null,
        }),
      );
      const markup = bootMarkup({ pageUrl: '/api/media?limit=120' }, page, []);
      assert.equal(markup.match(/<\/script>/g)?.length, 1, 'only the element’s own end tag');
      const json = /^<script[^>]*>(.*)<\/script>$/s.exec(markup)![1]!;
      const parsed = JSON.parse(json) as { page: { items: Array<{ name: string }> } };
      assert.equal(
        parsed.page.items[0]!.name,
        '</script><script>alert(1)</script>.jpg',
        'the JSON still reads back exactly',
      );
    });

    it('names preloaded thumbnails exactly as the app does, for the first six items only', () => {
      const items = Array.from({ length: 9 }, (_, i) => ({
        thumbs: { small: `/api/media/item${i}/thumb/small?v=v${i}` },
      }));
      const page = Buffer.from(JSON.stringify({ items, nextCursor: null }));
      assert.deepEqual(
        preloadedThumbs(page, 'avif'),
        items.slice(0, 6).map((item) => `${item.thumbs.small}&f=avif`),
      );
      assert.deepEqual(preloadedThumbs(null, 'avif'), []);
    });
  });

  void describe('served', () => {
    let server: TestServer;
    let before_: Map<string, string>;
    before(async () => {
      await ensureWebBuilt();
      server = await startTestServer();
      await writeJpeg(path.join(server.media, 'a.jpg'), { taken: '2023:07:14 10:00:00' });
      await writeJpeg(path.join(server.media, 'b.jpg'), { taken: '2024:03:01 10:00:00' });
      await writeJpeg(path.join(server.media, 'c <script>.jpg'), { taken: '2024:05:01 10:00:00' });
      await waitFor(() => (server.spis.library.index.size === 3 ? true : undefined), {
        what: 'three items',
      });
      before_ = await treeDigest(server.media);
    });
    after(() => server.close());

    it('inlines the session, the very first page the API gives, the format and the first thumbnails', async () => {
      const loaded = await shell(server, '/', NAVIGATION);
      assert.equal(loaded.status, 200);
      assert.ok(loaded.boot, 'boot data present');
      assert.equal(loaded.boot.pageUrl, '/api/media?limit=120');
      const fromApi = await api<MediaPage>(server, '/api/media?limit=120');
      assert.deepEqual(loaded.boot.page, fromApi.body, 'the same page as the API');
      const session = await api(server, '/api/session');
      assert.deepEqual(loaded.boot.session, session.body, 'the same session as the API');
      assert.equal(loaded.boot.thumbFormat, 'avif');
      assert.deepEqual(
        loaded.preloads,
        fromApi.body.items.map((item) => `${item.thumbs.small}&f=avif`),
      );
      assert.doesNotMatch(loaded.html, /c <script>/, 'the file name is escaped');
      assert.equal(
        loaded.headers.get('cache-control'),
        'no-store',
        'made for one caller: never stored',
      );
      assert.equal(loaded.headers.get('etag'), null);
      for (const url of loaded.preloads)
        assert.equal((await fetch(`${server.url}${url}`)).status, 200, url);
      assert.deepEqual(await treeDigest(server.media), before_, 'the media folder is untouched');
    });

    it('leaves the shell static for everything but a document load of the timeline', async () => {
      const plain = await shell(server, '/');
      assert.equal(
        plain.boot,
        null,
        'a script fetching "/" (the service worker) gets the static shell',
      );
      assert.ok(plain.headers.get('etag'));
      assert.equal((await shell(server, '/index.html', NAVIGATION)).boot, null);
      assert.equal(
        (await shell(server, '/?year=2024', NAVIGATION)).boot,
        null,
        'another view asks the API itself',
      );
      assert.equal((await shell(server, '/shares', NAVIGATION)).boot, null);
    });

    it('carries compressed bytes when the browser takes them', async () => {
      const response = await fetch(`${server.url}/`, {
        headers: { ...NAVIGATION, 'accept-encoding': 'br' },
      });
      assert.equal(response.headers.get('content-encoding'), 'br');
      assert.match(
        await response.text(),
        new RegExp(`id="${BOOT_ELEMENT_ID}"`),
        'fetch decodes it',
      );
    });
  });

  void describe('with users', () => {
    let server: TestServer;
    const ids: Record<string, string> = {};
    before(async () => {
      await ensureWebBuilt();
      server = await startTestServer();
      await writeJpeg(path.join(server.media, 'a.jpg'), { taken: '2023:07:14 10:00:00' });
      await writeJpeg(path.join(server.media, 'b.jpg'), { taken: '2024:03:01 10:00:00' });
      await waitFor(() => (server.spis.library.index.size === 2 ? true : undefined), {
        what: 'two items',
      });
      for (const record of server.spis.library.index.all())
        ids[path.basename(record.path, '.jpg')] = record.id;
      await addUser(server, 'ann', 'admin');
    });
    after(() => server.close());

    it('gives a stranger the session (sign in) and not one item', async () => {
      const loaded = await shell(server, '/', NAVIGATION);
      assert.ok(loaded.boot);
      assert.equal(loaded.boot.session?.authRequired, true);
      assert.equal(loaded.boot.session?.user, null);
      assert.equal(loaded.boot.page, undefined);
      assert.equal(loaded.boot.pageUrl, undefined);
      assert.deepEqual(loaded.preloads, []);
      assert.doesNotMatch(loaded.html, new RegExp(ids.a!));
    });

    it('gives a signed-in user their page and CSRF token', async () => {
      const ann = await login(server, 'ann');
      const loaded = await shell(server, '/', { ...NAVIGATION, cookie: ann.cookie });
      assert.equal(loaded.boot?.session?.user?.name, 'ann');
      assert.equal(loaded.boot?.session?.csrfToken, ann.csrf);
      assert.deepEqual(
        loaded.boot?.page?.items.map((item) => item.id),
        [ids.b, ids.a],
      );
    });

    it('gives a share link only its own items', async () => {
      const ann = await login(server, 'ann');
      const created = await api<{ token: string }>(server, '/api/shares', {
        method: 'POST',
        headers: as(ann, { 'content-type': 'application/json' }),
        body: JSON.stringify({ items: [ids.a] }),
      });
      assert.equal(created.status, 201);
      const opened = await fetch(`${server.url}/api/shares/${created.body.token}/session`, {
        method: 'POST',
      });
      const loaded = await shell(server, '/', {
        ...NAVIGATION,
        cookie: cookieOf(opened, 'spis_share'),
      });
      assert.notEqual(loaded.boot?.session?.share, null);
      assert.deepEqual(
        loaded.boot?.page?.items.map((item) => item.id),
        [ids.a],
      );
      assert.equal(loaded.preloads.length, 1);
    });
  });
});
