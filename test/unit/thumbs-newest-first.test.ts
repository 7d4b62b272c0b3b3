import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { NewestFirst } from '../../server/thumbs/newest-first.js';

void describe('newest-first queue', () => {
  void it('pops the highest score first, each id once, honouring updates and deletes', () => {
    const queue = new NewestFirst();
    queue.add('a', 1);
    queue.add('b', 5);
    queue.add('c', 3);
    queue.add('a', 9); // updated: now the newest
    queue.delete('c');
    assert.equal(queue.size, 2);
    assert.deepEqual([queue.pop(), queue.pop(), queue.pop()], ['a', 'b', undefined]);
  });

  void it('orders any sequence like a sort (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), fc.integer({ min: 0, max: 1000 }))), (adds) => {
        const queue = new NewestFirst();
        const latest = new Map<string, number>();
        for (const [id, score] of adds) {
          queue.add(id, score);
          latest.set(id, score);
        }
        const popped: string[] = [];
        for (let id = queue.pop(); id !== undefined; id = queue.pop()) popped.push(id);
        const scores = popped.map((id) => latest.get(id)!);
        assert.deepEqual([...scores].sort((x, y) => y - x), scores);
        assert.deepEqual([...popped].sort(), [...latest.keys()].sort());
      }),
    );
  });
});
