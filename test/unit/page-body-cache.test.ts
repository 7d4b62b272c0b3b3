import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageBodyCache } from '../../server/api/page-body-cache.js';

void describe('PageBodyCache', () => {
  it('reuses the encoded body while every part and the tail are unchanged', () => {
    const cache = new PageBodyCache();
    const parts = ['{"id":"a"}', '{"id":"b"}'];
    const first = cache.body('limit=2', parts, ',"nextCursor":null}');
    assert.deepEqual(JSON.parse(first.toString('utf8')), { items: [{ id: 'a' }, { id: 'b' }], nextCursor: null });
    assert.equal(cache.body('limit=2', [...parts], ',"nextCursor":null}'), first, 'same content: the same buffer');
  });

  it('never serves a stale page: a changed item, tail or length builds a new body', () => {
    const cache = new PageBodyCache();
    const first = cache.body('q', ['{"id":"a","favorite":false}'], ',"nextCursor":null}');
    const changed = cache.body('q', ['{"id":"a","favorite":true}'], ',"nextCursor":null}');
    assert.notEqual(changed, first);
    assert.equal(JSON.parse(changed.toString('utf8')).items[0].favorite, true);
    assert.equal(JSON.parse(cache.body('q', ['{"id":"a","favorite":true}'], ',"nextCursor":"x"}').toString('utf8')).nextCursor, 'x');
    assert.deepEqual(JSON.parse(cache.body('q', [], ',"nextCursor":null}').toString('utf8')).items, []);
  });

  it('stays within its byte bound', () => {
    const cache = new PageBodyCache(1000);
    const big = 'x'.repeat(600);
    const a = cache.body('a', [`"${big}"`], '}');
    cache.body('b', [`"${big}"`], '}');
    assert.notEqual(cache.body('a', [`"${big}"`], '}'), a, 'the older page was evicted');
  });
});
