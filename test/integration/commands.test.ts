import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../server/config/load.js';
import type { ApiError, MediaPage } from '../../server/shared/api-types.js';
import type { CommandInfo, CommandOutcome } from '../../server/commands/command-service.js';
import { addUser, as, login, type Session } from '../helpers/auth.js';
import { treeDigest, writeJpeg } from '../helpers/media.js';
import { api, startTestServer, tempDir, waitFor, type TestServer } from '../helpers/spis.js';

async function script(dir: string, name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

void describe('custom commands', () => {
  let media: Awaited<ReturnType<typeof tempDir>>;
  /** Outside the media folder: where the commands write their markers. */
  let work: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let admin: Session;
  let viewer: Session;
  let ids: string[];
  let digest: Map<string, string>;

  before(async () => {
    media = await tempDir('spis-cmd-media-');
    work = await tempDir('spis-cmd-work-');
    await writeJpeg(path.join(media.dir, '2023/with space.jpg'), { width: 64, height: 48, taken: '2023:07:14 18:22:05' });
    await writeJpeg(path.join(media.dir, '2024/b.jpg'), { width: 64, height: 48, taken: '2024:01:02 03:04:05' });
    digest = await treeDigest(media.dir);
    const mark = await script(work.dir, 'mark.sh', 'printf "%s\\n" "$@" > "$MARK_DIR/args"; env | sort > "$MARK_DIR/env"; pwd > "$MARK_DIR/cwd"; echo "marked $#"; echo "to stderr" >&2');
    const slow = await script(work.dir, 'slow.sh', 'echo starting; sleep 60; echo never');
    const loud = await script(work.dir, 'loud.sh', 'head -c 1000000 /dev/zero | tr "\\0" x; exit 3');
    const serial = await script(work.dir, 'serial.sh', 'echo "start $(date +%s%N)" >> "$MARK_DIR/serial"; sleep 0.4; echo "end $(date +%s%N)" >> "$MARK_DIR/serial"');
    const talk = await script(work.dir, 'talk.sh', 'echo first; while [ ! -e "$MARK_DIR/go" ]; do sleep 0.05; done; echo second >&2; echo third');
    const env = { MARK_DIR: work.dir };
    server = await startTestServer({
      media: media.dir,
      config: {
        thumbnails: { pregenerate: false },
        commands: [
          { name: 'mark', label: 'Mark', argv: [mark, '--id={id}', '{path}', '{relpath}', '{takenAt}', 'fixed arg'], icon: '✔', hotkey: 'm', env, multi: true },
          { name: 'look', label: 'Look', argv: [mark, '{relpath}'], roles: ['viewer'], env, confirm: 'Really look?' },
          { name: 'slow', label: 'Slow', argv: [slow], timeoutSeconds: 1 },
          { name: 'loud', label: 'Loud', argv: [loud] },
          { name: 'serial', label: 'Serial', argv: [serial], env },
          { name: 'talk', label: 'Talk', argv: [talk], env, timeoutSeconds: 60 },
        ],
      },
    });
    await addUser(server, 'ann', 'admin');
    await addUser(server, 'vic', 'viewer');
    admin = await login(server, 'ann');
    viewer = await login(server, 'vic');
    ids = (await api<MediaPage>(server, '/api/media?order=asc', { headers: as(admin) })).body.items.map((item) => item.id);
  });
  after(async () => {
    await server?.close();
    await media?.remove();
    await work?.remove();
  });

  const run = (name: string, body: unknown, session: Session = admin, headers?: Record<string, string>) =>
    api<CommandOutcome & ApiError>(server, `/api/commands/${name}`, {
      method: 'POST',
      headers: headers ?? { 'content-type': 'application/json', ...as(session) },
      body: JSON.stringify(body),
    });

  void it('streams output line by line while the program runs (?stream=true), then the result', async () => {
    const response = await fetch(`${server.url}/api/commands/talk?stream=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...as(admin) },
      body: JSON.stringify({ ids: [ids[0]] }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const nextLine = async (): Promise<Record<string, unknown>> => {
      for (;;) {
        const end = buffered.indexOf('\n');
        if (end >= 0) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          return JSON.parse(line) as Record<string, unknown>;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended; left: ${buffered}`);
        buffered += decoder.decode(value, { stream: true });
      }
    };
    // The program is still waiting for the go file: this line can only have been streamed.
    assert.deepEqual(await nextLine(), { type: 'stdout', text: 'first\n' });
    await writeFile(path.join(work.dir, 'go'), '');
    assert.deepEqual(await nextLine(), { type: 'stderr', text: 'second\n' });
    assert.deepEqual(await nextLine(), { type: 'stdout', text: 'third\n' });
    const result = await nextLine();
    assert.equal(result.type, 'result');
    assert.equal(result.ok, true);
    assert.equal(result.stdout, 'first\nthird\n');
    assert.equal(result.stderr, 'second\n');
    assert.equal((await reader.read()).done, true);
    // Refused before anything runs: a plain 4xx, not a stream.
    const refused = await fetch(`${server.url}/api/commands/talk?stream=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...as(viewer) },
      body: JSON.stringify({ ids: [ids[0]] }),
    });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('content-type') ?? '', /json/);
  });

  void it('runs the program without a shell, placeholders filled per item, in a clean environment', async () => {
    const answer = await run('mark', { ids });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.ok, true);
    assert.equal(answer.body.exitCode, 0);
    assert.equal(answer.body.stdout, 'marked 9\n');
    assert.equal(answer.body.stderr, 'to stderr\n');
    const args = (await readFile(path.join(work.dir, 'args'), 'utf8')).split('\n');
    assert.deepEqual(args.slice(0, 9), [
      `--id=${ids[0]}`, `--id=${ids[1]}`,
      path.join(media.dir, '2023/with space.jpg'), path.join(media.dir, '2024/b.jpg'),
      '2023/with space.jpg', '2024/b.jpg',
      '2023-07-14T18:22:05+00:00', '2024-01-02T03:04:05+00:00',
      'fixed arg',
    ]);
    const env = (await readFile(path.join(work.dir, 'env'), 'utf8')).split('\n').filter(Boolean);
    const names = env.map((line) => line.split('=')[0]).filter((name) => name !== 'PWD' && name !== 'SHLVL' && name !== '_');
    assert.deepEqual(names.sort(), ['LANG', 'MARK_DIR', 'PATH', 'SPIS_COMMAND', 'SPIS_USER']);
    assert.ok(env.includes('SPIS_USER=ann'));
    assert.equal((await readFile(path.join(work.dir, 'cwd'), 'utf8')).trim(), server.data);
    const audit = server.logs.find((line) => line.audit === 'command' && line.command === 'mark');
    assert.deepEqual(
      audit && { user: audit.user, ids: audit.ids, ok: audit.ok, exitCode: audit.exitCode },
      { user: 'ann', ids, ok: true, exitCode: 0 },
    );
  });

  void it('kills a command that runs past its timeout, with everything it started', async () => {
    const started = Date.now();
    const answer = await run('slow', { ids: [ids[0]] });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.ok, false);
    assert.equal(answer.body.timedOut, true);
    assert.equal(answer.body.error, "stopped after 1 s (the command's timeoutSeconds)");
    assert.equal(answer.body.stdout, 'starting\n');
    // `close` only fires once the pipes are shut: the script's own `sleep` was killed too.
    assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
    assert.ok(server.logs.some((line) => line.audit === 'command' && line.command === 'slow' && line.timedOut === true));
  });

  void it('keeps the first 64 KiB of a huge output and reports a failing status', async () => {
    const answer = await run('loud', { ids: [ids[0]] });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.stdout.length, 64 * 1024);
    assert.match(answer.body.stdout, /^x+$/);
    assert.deepEqual(answer.body.truncated, { stdout: true, stderr: false });
    assert.equal(answer.body.exitCode, 3);
    assert.equal(answer.body.error, 'exited with status 3');
  });

  void it('runs one at a time per command', async () => {
    const answers = await Promise.all([run('serial', { ids: [ids[0]] }), run('serial', { ids: [ids[1]] })]);
    assert.deepEqual(answers.map((answer) => answer.body.ok), [true, true]);
    const lines = (await readFile(path.join(work.dir, 'serial'), 'utf8')).trim().split('\n').map((line) => line.split(' ')[0]);
    assert.deepEqual(lines, ['start', 'end', 'start', 'end']);
  });

  void it('answers 404, 403 and 400 for what may not run', async () => {
    assert.equal((await run('nope', { ids: [ids[0]] })).status, 404);
    const forbidden = await run('mark', { ids: [ids[0]] }, viewer);
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.body.error.message, /needs the role admin/);
    assert.equal((await run('look', { ids: [ids[0]] }, viewer)).body.ok, true, 'a command open to viewers');
    assert.equal((await run('look', { ids })).status, 400, 'not multi: one item');
    assert.equal((await run('mark', { ids: [] })).status, 400);
    assert.equal((await run('mark', { ids: ['AAAAAAAAAAAAAAAA'] })).status, 404);
    assert.equal((await run('mark', { ids: [ids[0]], shell: 'rm -rf /' })).status, 400);
    assert.equal((await run('mark', { ids: [ids[0]] }, admin, { 'content-type': 'application/json', cookie: admin.cookie })).status, 403, 'no CSRF header');
    assert.equal((await run('mark', { ids: [ids[0]] }, admin, { 'content-type': 'application/json' })).status, 401);
  });

  void it('lists only the commands the caller may run, without argv', async () => {
    const forViewer = await api<{ commands: CommandInfo[] }>(server, '/api/commands', { headers: as(viewer) });
    assert.deepEqual(forViewer.body.commands, [{ name: 'look', label: 'Look', icon: null, hotkey: null, confirm: 'Really look?', multi: false }]);
    const forAdmin = await api<{ commands: CommandInfo[] }>(server, '/api/commands', { headers: as(admin) });
    assert.deepEqual(forAdmin.body.commands.map((command) => command.name), ['mark', 'look', 'slow', 'loud', 'serial', 'talk']);
    assert.ok(!JSON.stringify(forAdmin.body).includes(work.dir));
  });

  void it('refuses a program that is not an absolute path to an executable when the config loads', async () => {
    const notExecutable = path.join(work.dir, 'plain.txt');
    await writeFile(notExecutable, 'just text');
    const cases: Array<[string[], RegExp]> = [
      [['mark.sh'], /commands\.0\.argv\.0: must be an absolute path to an executable, got "mark\.sh"/],
      [[path.join(work.dir, 'missing')], /commands\.0\.argv\.0: .*missing does not exist/],
      [[notExecutable], /commands\.0\.argv\.0: .*plain\.txt is not executable by spis \(EACCES\)/],
      [[work.dir], /commands\.0\.argv\.0: .* is not a file/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => loadConfig({ env: {}, overrides: { commands: [{ name: 'x', label: 'X', argv }] } }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        argv[0],
      );
    }
  });

  void it('left the media folder byte-identical', async () => {
    assert.deepEqual(await treeDigest(media.dir), digest);
  });
});

void describe('custom commands and the watcher', () => {
  void it('indexes a file a command adds to the media folder, as any new file', async () => {
    const media = await tempDir('spis-cmd-watch-');
    const work = await tempDir('spis-cmd-watch-work-');
    await writeJpeg(path.join(media.dir, 'a.jpg'), { width: 64, height: 48 });
    // The command's own business: spis never writes here, the program it runs may.
    const copy = await script(work.dir, 'copy.sh', 'cp "$1" "${1%.jpg}-copy.jpg"');
    const server = await startTestServer({ media: media.dir, config: { commands: [{ name: 'copy', label: 'Copy', argv: [copy, '{path}'] }] } });
    try {
      const [item] = (await api<MediaPage>(server, '/api/media')).body.items;
      const answer = await api<CommandOutcome>(server, '/api/commands/copy', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ids: [item!.id] }),
      });
      assert.equal(answer.body.ok, true, JSON.stringify(answer.body));
      const names = await waitFor(async () => {
        const items = (await api<MediaPage>(server, '/api/media')).body.items.map((entry) => entry.name).sort();
        return items.length === 2 ? items : undefined;
      }, { timeoutMs: 15_000, what: 'the copy to be indexed' });
      assert.deepEqual(names, ['a-copy.jpg', 'a.jpg']);
    } finally {
      await server.close();
      await media.remove();
      await work.remove();
    }
  });
});
