import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter } from '../../server/util/limiter.js';

/** A task that records when it starts and finishes only when told to. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    task: async () => {
      log.push(name);
      await opened;
      return name;
    },
    open: () => open(),
  };
}

describe('Limiter', () => {
  it('never runs more than its concurrency', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.run(async () => {
          peak = Math.max(peak, ++running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
        }),
      ),
    );
    assert.equal(peak, 2);
    assert.equal(limiter.running, 0);
  });

  it('lets requests jump waiting background work, keeping arrival order among each kind', async () => {
    const limiter = new Limiter(1);
    const started: string[] = [];
    const first = gate(started, 'busy');
    const running = limiter.run(first.task);
    const waiting = [
      limiter.run(async () => void started.push('bg1')),
      limiter.run(async () => void started.push('bg2')),
      limiter.run(async () => void started.push('req1'), true),
      limiter.run(async () => void started.push('bg3')),
      limiter.run(async () => void started.push('req2'), true),
    ];
    assert.equal(limiter.pending, 5);
    first.open();
    await Promise.all([running, ...waiting]);
    assert.deepEqual(started, ['busy', 'req1', 'req2', 'bg1', 'bg2', 'bg3']);
    assert.equal(limiter.pending, 0);
  });

  it('frees the slot when a task fails', async () => {
    const limiter = new Limiter(1);
    await assert.rejects(limiter.run(() => Promise.reject(new Error('broken file'))), /broken file/);
    assert.equal(await limiter.run(async () => 'next'), 'next');
  });
});
