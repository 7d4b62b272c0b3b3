import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { browserPool, ensureWebBuilt, PHONE, screenshot, until } from '../helpers/browser.js';
import { jpegBuffer } from '../helpers/media.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/spis.js';
import { filesUnder } from '../helpers/uploads.js';

const storeIds = 'window.spis.app.loader.store.items.map((item) => item.path)';

void describe('PWA uploads: the picker and the share target', () => {
  let server: TestServer;
  let files: { dir: string; remove: () => Promise<void> };
  const browsers = browserPool();

  before(async () => {
    await ensureWebBuilt();
    files = await tempDir('spis-pwa-upload-');
    server = await startTestServer({ config: { uploads: { enabled: true, minFreeBytes: 0 } } });
  });
  after(async () => {
    await browsers.closeAll();
    await server?.close();
    await files?.remove();
  });

  it('uploads three files picked at once, shows per-file and total progress, and the items appear live', async () => {
    const picked: string[] = [];
    for (const [i, color] of ['#aa3333', '#33aa33', '#3333aa'].entries()) {
      const file = path.join(files.dir, `picked-${i}.jpg`);
      await writeFile(
        file,
        await jpegBuffer({ width: 120, height: 90, color, taken: `2024:0${i + 4}:01 12:00:00` }),
      );
      picked.push(file);
    }
    const bogus = path.join(files.dir, 'notes.jpg');
    await writeFile(bogus, 'this is a text file with a photo name');
    const { page, errors } = await browsers.open(PHONE);
    await page.goto(server.url);
    await page.waitForSelector('.upload-button');
    await page.setInputFiles('.upload-input', [...picked, bogus]);
    await until(
      page,
      'document.querySelectorAll(\'.upload-row[data-state="done"]\').length === 3',
      { timeoutMs: 30_000, what: 'three finished rows' },
    );
    await until(
      page,
      "document.querySelector('.upload-row[data-state=\"failed\"]')?.textContent.includes('not a supported photo or video') === true",
      { what: 'the refused file with its reason' },
    );
    assert.equal(
      await page.evaluate(
        'document.querySelector(\'.upload-row[data-state="failed"] .upload-retry\') !== null',
      ),
      true,
      'a Retry button',
    );
    assert.match(
      await page.evaluate("document.querySelector('.upload-summary').textContent"),
      /3 of 4 uploaded, 1 failed/,
    );
    const total = (await page.evaluate(
      "[document.querySelector('.upload-total').max, [...document.querySelectorAll('.upload-bar')].reduce((s, b) => s + b.max, 0)]",
    )) as number[];
    assert.equal(total[0], total[1], 'the total bar spans every file');
    const expected = [
      'Uploads/local/2024/04/picked-0.jpg',
      'Uploads/local/2024/05/picked-1.jpg',
      'Uploads/local/2024/06/picked-2.jpg',
    ];
    await until(page, `${JSON.stringify(expected)}.every((p) => ${storeIds}.includes(p))`, {
      what: 'the uploaded items in the timeline',
    });
    await screenshot(page, 'upload-panel-phone');
    assert.deepEqual(
      (await filesUnder(path.join(server.media, 'Uploads'))).filter(
        (f) => !f.startsWith('.incoming/'),
      ),
      expected.map((p) => p.slice('Uploads/'.length)),
    );
    assert.deepEqual(
      errors.filter((e) => !/status of 415/.test(e)),
      [],
    );
  });

  it('takes a multipart POST to the share target through the service worker and opens the timeline on it', async () => {
    const { page } = await browsers.open(PHONE);
    await page.goto(server.url);
    await until(page, 'navigator.serviceWorker.controller !== null', {
      timeoutMs: 20_000,
      what: 'the service worker to take control',
    });
    const photo = (
      await jpegBuffer({ width: 100, height: 80, color: '#d4a017', taken: '2023:11:05 09:30:00' })
    ).toString('base64');
    // What Android's share sheet does: a form POST (multipart) navigating to the share target.
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob(${JSON.stringify(photo)}), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], 'Shared from gallery.jpg', { type: 'image/jpeg' }));
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = '/share-target';
      form.enctype = 'multipart/form-data';
      const input = document.createElement('input');
      input.type = 'file';
      input.name = 'media';
      input.files = transfer.files;
      form.append(input);
      document.body.append(form);
      form.submit();
    })()`);
    await page.waitForURL(/\?item=[A-Za-z0-9_-]{16}&shared=1$/, { timeout: 20_000 });
    const id = new URL(page.url()).searchParams.get('item')!;
    assert.equal(
      server.spis.library.index.getById(id)?.path,
      'Uploads/local/2023/11/Shared from gallery.jpg',
    );
    await page.waitForSelector('.lightbox:not([hidden])');
  });
});
