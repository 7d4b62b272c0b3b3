import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Progress, formatDuration, formatProgress } from '../../server/cli/progress.js';

void it('formats a bar with percentage, count, rate and ETA', () => {
  const line = formatProgress({ label: 'small thumbnails', done: 250, total: 1000, elapsedMs: 5000 }, 10);
  assert.equal(line, 'small thumbnails  [###.......]   25%  250/1,000  50/s  ETA 15s');
  assert.equal(formatProgress({ label: 'finding files', done: 1234, total: 0, elapsedMs: 1000 }), 'finding files  1,234  1234/s');
  assert.equal(formatDuration(3725), '1h02m');
  assert.equal(formatDuration(75), '1m15s');
});

void it('redraws one line on a terminal, throttled, and ends it', () => {
  let clock = 0;
  const out: string[] = [];
  const progress = new Progress('reading metadata', { isTTY: true, write: (text: string) => out.push(text) }, { now: () => clock, width: 4 });
  progress.update(1, 4);
  clock = 50;
  progress.update(2, 4); // within 100 ms: skipped
  clock = 200;
  progress.update(3, 4);
  progress.finish(4, 4);
  assert.equal(out.length, 4);
  assert.ok(out.slice(0, 3).every((text) => text.startsWith('\r\x1b[2K') && !text.includes('\n')));
  assert.match(out[2]!, /\[####\] +100% +4\/4/);
  assert.equal(out[3], '\n');
});

void it('prints plain lines every few seconds when not a terminal', () => {
  let clock = 0;
  const out: string[] = [];
  const progress = new Progress('reading metadata', { write: (text: string) => out.push(text) }, { now: () => clock });
  progress.update(1, 10);
  clock = 1000;
  progress.update(2, 10); // skipped: plain output is throttled to 2 s
  clock = 2500;
  progress.update(5, 10);
  progress.finish(10, 10, 'done');
  assert.deepEqual(out, [
    'reading metadata  [##......................]   10%  1/10\n',
    'reading metadata  [############............]   50%  5/10  2.0/s  ETA 3s\n',
    'reading metadata  [########################]  100%  10/10  4.0/s\n',
    'done\n',
  ]);
});
