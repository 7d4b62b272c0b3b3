import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryIdOf, eventKeyOf, webhookData } from '../../server/webhooks/event-key.js';

const item = { id: 'abc', version: 'v1', favorite: false, archived: false, playback: null };

void describe('webhook event keys', () => {
  void it('names the same change alike, whichever replica saw it', () => {
    assert.equal(
      eventKeyOf('media.added', { item }),
      eventKeyOf('media.added', { item: { ...item } }),
    );
    assert.notEqual(
      eventKeyOf('media.added', { item }),
      eventKeyOf('media.added', { item: { ...item, version: 'v2' } }),
      'a new version is a new event',
    );
    assert.notEqual(
      eventKeyOf('media.added', { item }),
      eventKeyOf('media.updated', { item }),
      'the event type is part of the key',
    );
  });

  void it('tells updates apart by what they change for receivers', () => {
    const base = eventKeyOf('media.updated', { item });
    assert.notEqual(base, eventKeyOf('media.updated', { item: { ...item, favorite: true } }));
    assert.notEqual(base, eventKeyOf('media.updated', { item: { ...item, archived: true } }));
    assert.notEqual(
      eventKeyOf('media.updated', { item: { ...item, playback: { ready: false, error: null } } }),
      eventKeyOf('media.updated', { item: { ...item, playback: { ready: true, error: null } } }),
    );
  });

  void it('prefers a key the payload carries (a change fanned out between replicas)', () => {
    assert.equal(
      eventKeyOf('media.updated', { item, eventKey: 'marks:42' }),
      'media.updated|marks:42',
    );
    assert.notEqual(
      eventKeyOf('media.updated', { item, eventKey: 'marks:42' }),
      eventKeyOf('media.updated', { item, eventKey: 'marks:43' }),
    );
  });

  void it('keys a removal by id and version; a replica-local event has no key', () => {
    assert.equal(
      eventKeyOf('media.removed', { id: 'abc', path: 'a.jpg', version: 'v1' }),
      'media.removed|abc|v1',
    );
    assert.equal(eventKeyOf('index.completed', { count: 3, firstIndex: false }), null);
  });

  void it('derives a UUID-shaped delivery id per event and webhook', () => {
    const id = deliveryIdOf('media.added|abc|v1', 0, 'http://127.0.0.1:1/hook');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(id, deliveryIdOf('media.added|abc|v1', 0, 'http://127.0.0.1:1/hook'));
    assert.notEqual(id, deliveryIdOf('media.added|abc|v1', 1, 'http://127.0.0.1:1/hook'));
    assert.notEqual(id, deliveryIdOf('media.added|abc|v2', 0, 'http://127.0.0.1:1/hook'));
  });

  void it('keeps the naming fields out of what receivers get', () => {
    assert.deepEqual(webhookData('media.removed', { id: 'abc', path: 'a.jpg', version: 'v1' }), {
      id: 'abc',
      path: 'a.jpg',
    });
    assert.deepEqual(webhookData('media.updated', { item, eventKey: 'k' }), { item });
    assert.deepEqual(webhookData('index.completed', { count: 1, firstIndex: true }), {
      count: 1,
      firstIndex: true,
    });
  });
});
