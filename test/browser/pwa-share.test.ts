import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MediaPage } from '../../server/shared/api-types.js';
import { addUser, as, login, type Session } from '../helpers/auth.js';
import { browserPool, DESKTOP, ensureWebBuilt, PHONE, renderedIds, screenshot, until, writeLibrary } from '../helpers/browser.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

void describe('PWA share links', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let admin: Session;
  const browsers = browserPool();

  const share = async (body: Record<string, unknown>) => {
    const created = await api<{ token: string; url: string }>(server, '/api/shares', {
      method: 'POST',
      headers: as(admin, { 'content-type': 'application/json' }),
      body: JSON.stringify(body),
    });
    assert.equal(created.status, 201);
    return created.body;
  };
  /** Ids a share's visitor is meant to see, in server order, asked as the admin. */
  const idsAsAdmin = async (query: string) => (await api<MediaPage>(server, `/api/media?limit=500&${query}`, { headers: as(admin) })).body.items.map((i) => i.id);

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-share-');
    await writeLibrary(media.dir, { count: 18, months: 3, perFolder: 6 });
    server = await startTestServer({ media: media.dir });
    await addUser(server, 'owner', 'admin', 'owner-password-123');
    admin = await login(server, 'owner', 'owner-password-123');
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
  });

  void it('opens a link to chosen items: only those, no controls that change marks, the token leaves the address bar', async () => {
    const everything = await idsAsAdmin('');
    const chosen = [everything[1]!, everything[7]!, everything[12]!];
    const link = await share({ items: chosen });
    const { page, errors } = await browsers.open(PHONE);
    await page.goto(link.url);
    await page.waitForSelector('.tile.loaded');
    await until(page, `document.querySelectorAll('.tile').length === ${chosen.length}`, { what: 'the shared tiles' });
    assert.deepEqual(await renderedIds(page), chosen, 'exactly the shared items, in timeline order');
    assert.equal(await page.evaluate('location.hash'), '', 'the token is gone from the address bar');
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('.tile .check')).display"), 'none', 'no selection checkbox');

    await page.click('.tile-link');
    await page.waitForSelector('#lightbox:not([hidden]) .lb-media');
    assert.equal(await page.isVisible('.lb-fav'), false, 'no favourite button');
    assert.equal(await page.isVisible('.lb-archive'), false, 'no archive button');
    assert.equal(await page.isVisible('.lb-download'), true, 'the original can still be downloaded');
    await screenshot(page, 'share-items-phone');

    // A reload keeps working on the cookie alone, and still shows nothing else.
    await page.reload();
    await page.waitForSelector('.tile.loaded');
    await until(page, `document.querySelectorAll('.tile').length === ${chosen.length}`, { what: 'the shared tiles after a reload' });
    assert.deepEqual(errors, [], 'no page errors');
  });

  void it('asks for the password of a protected link, refuses a wrong one, then shows the shared folder', async () => {
    const folderIds = await idsAsAdmin('folder=album-001');
    assert.equal(folderIds.length, 6);
    const link = await share({ filter: { folder: 'album-001' }, password: 'picnic-password-42' });
    const { page } = await browsers.open(PHONE);
    await page.goto(link.url);
    await page.waitForSelector('#share-pass');
    await page.fill('#share-pass', 'not-the-password');
    await page.click('form.login button[type=submit]');
    await until(page, "document.querySelector('.form-error:not([hidden])')?.textContent.includes('not right')", { what: 'the wrong-password message' });
    await page.fill('#share-pass', 'picnic-password-42');
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('.tile.loaded');
    await until(page, `document.querySelectorAll('.tile').length === ${folderIds.length}`, { what: 'the folder tiles' });
    assert.deepEqual(await renderedIds(page), folderIds);
  });

  void it('a member selects items, makes a link from the selection bar, and its visitor sees just those', async () => {
    await addUser(server, 'gran', 'member', 'gran-password-123');
    const { page } = await browsers.open(DESKTOP);
    await page.goto(server.url);
    await page.fill('#login-user', 'gran');
    await page.fill('#login-pass', 'gran-password-123');
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('.tile.loaded');
    const picked = (await renderedIds(page)).slice(2, 4);
    for (const id of picked) await page.click(`.tile[data-id="${id}"] .check`);
    await page.click('#selection-bar button[aria-label="Share"]');
    await until(page, "document.querySelector('.toast')?.textContent.includes('#share=')", { what: 'the new link' });
    const text = (await page.textContent('.toast span')) ?? '';
    const url = /(https?:\/\/\S+#share=[A-Za-z0-9_-]+)/.exec(text)?.[1];
    assert.ok(url, `a link in the notice: ${text}`);
    assert.match(text, /valid 30 days/);
    assert.equal(await page.locator('.tile.selected').count(), 0, 'the selection is cleared');

    const visitor = await browsers.open(PHONE);
    await visitor.page.goto(url);
    await visitor.page.waitForSelector('.tile.loaded');
    await until(visitor.page, `document.querySelectorAll('.tile').length === ${picked.length}`, { what: 'the shared tiles' });
    assert.deepEqual(await renderedIds(visitor.page), picked);

    // The member reviews the link on the share links page: copies it, then revokes it.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.click('.filter-toggle');
    await page.click('a.shares-link');
    await page.waitForSelector('.share-entry');
    assert.equal(await page.locator('.share-entry').count(), 1, 'one link, the one just made');
    const entry = ((await page.textContent('.share-entry')) ?? '').replace(/\s+/g, ' ');
    assert.match(entry, /2 photos and videos/);
    assert.match(entry, /Password ?no/);
    assert.match(entry, /Views ?1/, 'the visitor opened it once');
    assert.match(entry, /Expires/);
    await page.click('.share-entry button:has-text("Copy")');
    await until(page, "document.querySelector('.share-page [role=status]').textContent === 'Link copied.'", { what: 'the copy' });
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), url, 'the copied link is the one made');
    await page.click('.share-entry button:has-text("Revoke")');
    await until(page, "document.querySelectorAll('.share-entry').length === 0", { what: 'the revoked link to leave the list' });
    const left = await api<{ shares: Array<{ createdBy: string }> }>(server, '/api/shares', { headers: as(admin) });
    assert.ok(!left.body.shares.some((s) => s.createdBy === 'user:gran'), 'revoked on the server');
    const fresh = await browsers.open(PHONE);
    await fresh.page.goto(url);
    await until(fresh.page, "document.querySelector('.state-card[role=alert]')?.textContent.includes('expired or was withdrawn')", { what: 'the link is dead' });
  });

  void it('says so when a link was withdrawn', async () => {
    const link = await share({ items: [(await idsAsAdmin(''))[0]!] });
    const revoked = await api(server, `/api/shares/${link.token}`, { method: 'DELETE', headers: as(admin) });
    assert.equal(revoked.status, 204);
    const { page } = await browsers.open(PHONE);
    await page.goto(link.url);
    await until(page, "document.querySelector('.state-card[role=alert]')?.textContent.includes('expired or was withdrawn')", { what: 'the dead-link message' });
    assert.equal(await page.locator('.tile').count(), 0);
  });
});
