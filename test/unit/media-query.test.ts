import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMediaQuery } from '../../server/api/media-query.js';
import { AppError } from '../../server/api/errors.js';
import { encodeCursor } from '../../server/media/cursor.js';

function rejects(query: Record<string, string | string[]>, mention: string) {
  assert.throws(
    () => parseMediaQuery(query),
    (error: unknown) => error instanceof AppError && error.status === 400 && error.message.includes(mention),
  );
}

describe('parseMediaQuery', () => {
  it('applies defaults', () => {
    const q = parseMediaQuery({});
    assert.equal(q.limit, 100);
    assert.equal(q.order, 'desc');
    assert.equal(q.cursor, null);
    assert.deepEqual(q.filter, { year: undefined, month: undefined, favorite: undefined, archived: false,
      type: undefined, folder: undefined, q: undefined });
  });
  it('parses every filter', () => {
    const q = parseMediaQuery({ year: '2023', month: '7', favorite: 'true', archived: 'true', type: 'video',
      folder: '/2023//Summer/', q: 'Beach', order: 'asc', limit: '500' });
    assert.deepEqual(q.filter, { year: 2023, month: 7, favorite: true, archived: true, type: 'video',
      folder: '2023/Summer', q: 'beach' });
    assert.equal(q.order, 'asc');
    assert.equal(q.limit, 500);
  });
  it('names the parameter, the expectation and the value', () => {
    rejects({ limit: '100000' }, 'limit: expected an integer from 1 to 500, got "100000"');
    rejects({ limit: '0' }, 'limit');
    rejects({ limit: '1e3' }, 'limit');
    rejects({ year: '2023', month: '13' }, 'month: expected an integer from 1 to 12, got "13"');
    rejects({ month: '5' }, 'month: expected to come with year');
    rejects({ type: 'audio' }, 'type');
    rejects({ order: 'up' }, 'order');
    rejects({ favorite: 'yes' }, 'favorite');
    rejects({ cursor: 'garbage!' }, 'cursor');
    rejects({ limit: ['1', '2'] }, 'limit: expected a single value');
    rejects({ sort: 'name' }, 'sort: expected no such parameter');
  });
  it('refuses a cursor made for the other order', () => {
    const cursor = encodeCursor({ order: 'asc', t: 1, id: 'abc' });
    rejects({ cursor }, 'order=desc');
    assert.equal(parseMediaQuery({ cursor, order: 'asc' }).cursor?.id, 'abc');
  });
});
