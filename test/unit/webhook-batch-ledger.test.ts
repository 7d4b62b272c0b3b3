import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchLedger } from '../../server/webhooks/batch-ledger.js';

void describe('webhook batch ledger', () => {
  void it('names a batch only once every delivery in it settled', () => {
    const ledger = new BatchLedger();
    ledger.track('b1', ['a', 'b', 'c']);
    ledger.track('b2', ['d']);
    assert.equal(ledger.settle('b'), null);
    assert.equal(ledger.settle('d'), 'b2');
    assert.equal(ledger.settle('a'), null);
    assert.equal(ledger.settle('c'), 'b1');
  });

  void it('ignores deliveries it does not know and settling twice', () => {
    const ledger = new BatchLedger();
    ledger.track('b1', ['a', 'b']);
    assert.equal(ledger.settle('zzz'), null, 'a delivery whose batch write failed');
    assert.equal(ledger.settle('a'), null);
    assert.equal(ledger.settle('a'), null, 'a second settle does not count twice');
    assert.equal(ledger.settle('b'), 'b1');
  });
});
