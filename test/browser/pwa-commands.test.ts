import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DESKTOP, ensureWebBuilt, browserPool, screenshot, until, writeLibrary } from '../helpers/browser.js';
import { treeDigest } from '../helpers/media.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/spis.js';

async function script(dir: string, name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

const LIGHTBOX_OPEN = "!document.getElementById('lightbox').hidden";
const toastSays = (text: string) => `[...document.querySelectorAll('.toast')].some((t) => t.textContent.includes(${JSON.stringify(text)}))`;

void describe('PWA custom commands', () => {
  let server: TestServer;
  let media: { dir: string; remove: () => Promise<void> };
  let work: { dir: string; remove: () => Promise<void> };
  let digest: Map<string, string>;
  const browsers = browserPool();

  before(async () => {
    await ensureWebBuilt();
    media = await tempDir('spis-pwa-cmd-');
    work = await tempDir('spis-pwa-cmd-work-');
    await writeLibrary(media.dir, { count: 4, months: 1 });
    digest = await treeDigest(media.dir);
    const mark = await script(work.dir, 'mark.sh', 'printf "%s\\n" "$@" >> "$MARK_DIR/marked"; echo "marked $#"');
    const fail = await script(work.dir, 'fail.sh', 'echo boom >&2; exit 2');
    server = await startTestServer({
      media: media.dir,
      config: {
        commands: [
          { name: 'mark', label: 'Mark', icon: '✔', hotkey: 'm', argv: [mark, '{relpath}'], env: { MARK_DIR: work.dir }, multi: true },
          { name: 'fail', label: 'Fail', hotkey: 'x', argv: [fail, '{id}'], confirm: 'Run the failing one?' },
        ],
      },
    });
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await media?.remove();
    await work?.remove();
  });

  void it('runs a command from the lightbox button and by hotkey, after the confirmation, with the result in a toast', async () => {
    const { page } = await browsers.open(DESKTOP);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    const first = (await page.getAttribute('.tile', 'data-id'))!;
    const relpath = server.spis.library.index.getById(first)!.path;
    await page.click('.tile-link');
    await until(page, LIGHTBOX_OPEN);
    await page.click('#lightbox .command-button[data-command="mark"]');
    await until(page, toastSays('Mark: done — marked 1'));
    assert.equal(await readFile(path.join(work.dir, 'marked'), 'utf8'), `${relpath}\n`);
    await screenshot(page, 'commands-lightbox-desktop');

    const questions: string[] = [];
    page.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.accept();
    });
    await page.keyboard.press('x');
    await until(page, toastSays('Fail failed: exited with status 2 — boom'));
    assert.deepEqual(questions, ['Run the failing one?']);
  });

  void it('offers multi-item commands for a selection', async () => {
    const { page } = await browsers.open(DESKTOP);
    await page.goto(server.url);
    await page.waitForSelector('.tile.loaded');
    const ids = (await page.$$eval('.tile', (tiles) => tiles.slice(0, 2).map((tile) => tile.getAttribute('data-id')))) as string[];
    await page.evaluate((chosen) => {
      const spis = (globalThis as unknown as { spis: { app: { selection: { toggle(id: string): void } } } }).spis;
      for (const id of chosen) spis.app.selection.toggle(id);
    }, ids);
    await page.waitForSelector('#selection-bar:not([hidden])');
    assert.equal(await page.locator('#selection-bar .command-button').count(), 1, 'only the multi-item command');
    await page.click('#selection-bar .command-button[data-command="mark"]');
    await until(page, toastSays('Mark: done — marked 2'));
    await page.waitForSelector('#selection-bar', { state: 'hidden' });
    const lines = (await readFile(path.join(work.dir, 'marked'), 'utf8')).trim().split('\n');
    assert.deepEqual(lines.slice(-2).sort(), ids.map((id) => server.spis.library.index.getById(id)!.path).sort());
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});
