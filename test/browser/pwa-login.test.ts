import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApiItem } from '../../server/shared/api-types.js';
import { addUser, as, login } from '../helpers/auth.js';
import { DESKTOP, ensureWebBuilt, openBrowser, until, writeLibrary, type BrowserSession } from '../helpers/browser.js';
import { api, startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

void describe('PWA with users configured', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let session: BrowserSession | undefined;

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-login-');
    await writeLibrary(media.dir, { count: 6, months: 1 });
    server = await startTestServer({ media: media.dir });
    await addUser(server, 'gran', 'member', 'gran-password-123');
  });
  after(async () => {
    await session?.close();
    await server?.close();
    await media?.remove();
  });

  void it('asks to sign in, then shows the timeline and marks favourites with the CSRF token', async () => {
    session = await openBrowser(DESKTOP);
    const { page, errors } = session;
    await page.goto(server.url);
    await page.waitForSelector('form.login');
    await page.fill('#login-user', 'gran');
    await page.fill('#login-pass', 'wrong-password-000');
    await page.click('form.login button[type=submit]');
    await until(page, "document.querySelector('.form-error:not([hidden])')?.textContent.includes('wrong')", { what: 'the login error' });
    await page.fill('#login-pass', 'gran-password-123');
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('.tile.loaded');
    await page.click('.tile-link');
    await page.click('.lb-fav');
    await page.waitForSelector('.lb-fav[aria-pressed="true"]');
    const id = (await page.evaluate("new URLSearchParams(location.search).get('item')")) as string;
    const me = await login(server, 'gran', 'gran-password-123');
    assert.equal((await api<ApiItem>(server, `/api/media/${id}`, { headers: as(me) })).body.favorite, true);
    assert.deepEqual(errors.filter((e) => !e.includes('401')), [], 'no errors besides the expected 401 of the wrong password');
  });
});
