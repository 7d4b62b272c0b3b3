import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/spis.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'cli-test-secret-0123456789';

async function spis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, SPIS_CONFIG: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

void describe('spis webhook test', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const step of cleanup) await step();
  });

  void it('sends a signed test event to a given URL and prints the status', async () => {
    const receiver = await startReceiver(SECRET);
    const data = await tempDir();
    cleanup.push(() => receiver.close(), data.remove);
    const result = await spis(['webhook', 'test', '--url', receiver.url, '--secret', SECRET, '--event', 'media.removed', '--data', data.dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(receiver.received.length, 1);
    const [hook] = receiver.received;
    assert.ok(hook!.signatureValid);
    assert.equal(hook!.event, 'media.removed');
    assert.equal(hook!.json.data.test, true);
    assert.match(result.stdout, new RegExp(`/hook -> 200 \\(\\d+ ms, delivery ${hook!.delivery}\\)`));
  });

  void it('tries every configured webhook and exits 1 when one refuses', async () => {
    const good = await startReceiver(SECRET);
    const bad = await startReceiver(SECRET);
    bad.respond = () => 500;
    const etc = await tempDir();
    cleanup.push(() => good.close(), () => bad.close(), etc.remove);
    const file = path.join(etc.dir, 'spis.json');
    await writeFile(file, JSON.stringify({ data: etc.dir, webhooks: [{ url: good.url, secret: SECRET }, { url: bad.url, secret: SECRET }] }));
    const result = await spis(['webhook', 'test', '--config', file]);
    assert.equal(result.code, 1);
    assert.equal(good.received[0]?.event, 'media.added');
    assert.ok(good.received[0]?.signatureValid);
    assert.equal((good.received[0]?.json.data.item as { path: string }).path, 'spis-test/example.jpg');
    assert.match(result.stdout, / -> 200 /);
    assert.match(result.stdout, / -> 500 /);
  });

  void it('explains bad input with exit code 2', async () => {
    const data = await tempDir();
    cleanup.push(data.remove);
    const noHooks = await spis(['webhook', 'test', '--data', data.dir]);
    assert.equal(noHooks.code, 2);
    assert.match(noHooks.stderr, /no webhooks are configured/);
    const badEvent = await spis(['webhook', 'test', '--url', 'http://127.0.0.1:9/x', '--secret', SECRET, '--event', 'index.progress', '--data', data.dir]);
    assert.equal(badEvent.code, 2);
    assert.match(badEvent.stderr, /--event must be one of/);
  });
});
