import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signPayload, verifySignature } from '../../server/webhooks/signature.js';
import { backoffDelay, classifyStatus, nextAttemptAt } from '../../server/webhooks/retry-policy.js';
import { buildBody, deliveryHeaders, wantsEvent } from '../../server/webhooks/delivery.js';

const SECRET = 'whsec-test-secret-1234';
const BODY = '{"id":"d1","event":"media.added"}';
// Computed independently: printf '%s' "1700000000.$BODY" | openssl dgst -sha256 -hmac "$SECRET"
const OPENSSL_HEX = 'cc1fa6c4f578e994174014a8c718a2b01f80d1c1db46f5fb65b7daa0b887b4fc';

void describe('webhook signature', () => {
  void it('matches HMAC-SHA256 over "timestamp.body" as openssl computes it', () => {
    assert.equal(signPayload(SECRET, 1700000000, BODY), `sha256=${OPENSSL_HEX}`);
    assert.equal(signPayload(SECRET, '1700000000', BODY), `sha256=${OPENSSL_HEX}`);
  });

  void it('verifies a good signature and rejects every tampering', () => {
    const header = `sha256=${OPENSSL_HEX}`;
    assert.equal(verifySignature(SECRET, '1700000000', BODY, header), true);
    assert.equal(verifySignature(SECRET, '1700000001', BODY, header), false, 'another timestamp');
    assert.equal(verifySignature(SECRET, '1700000000', BODY + ' ', header), false, 'another body');
    assert.equal(verifySignature('another-secret-123456', '1700000000', BODY, header), false, 'another secret');
    assert.equal(verifySignature(SECRET, '1700000000', BODY, OPENSSL_HEX), false, 'missing prefix');
    assert.equal(verifySignature(SECRET, '1700000000', BODY, `sha256=${OPENSSL_HEX.slice(1)}`), false, 'short');
    assert.equal(verifySignature(SECRET, '1700000000', BODY, undefined), false);
    assert.equal(verifySignature(SECRET, 'abc', BODY, header), false, 'a timestamp must be digits');
  });

  void it('refuses stale timestamps when a tolerance is given', () => {
    const header = `sha256=${OPENSSL_HEX}`;
    const within = { toleranceSeconds: 300, nowSeconds: 1700000000 + 299 };
    const outside = { toleranceSeconds: 300, nowSeconds: 1700000000 + 301 };
    assert.equal(verifySignature(SECRET, '1700000000', BODY, header, within), true);
    assert.equal(verifySignature(SECRET, '1700000000', BODY, header, outside), false);
  });

  void it('builds headers whose signature covers the send time and the unchanged body', () => {
    const body = buildBody('id-1', 'media.removed', Date.UTC(2024, 0, 2), { id: 'x', path: 'a.jpg' });
    assert.deepEqual(JSON.parse(body), { id: 'id-1', event: 'media.removed', timestamp: '2024-01-02T00:00:00.000Z', data: { id: 'x', path: 'a.jpg' } });
    const headers = deliveryHeaders({ id: 'id-1', event: 'media.removed', body }, SECRET, 1_700_000_000_999);
    assert.equal(headers['x-spis-timestamp'], '1700000000');
    assert.equal(headers['x-spis-delivery'], 'id-1');
    assert.equal(headers['x-spis-event'], 'media.removed');
    assert.equal(verifySignature(SECRET, headers['x-spis-timestamp']!, body, headers['x-spis-signature']), true);
  });

  void it('filters events by subscription, "*" meaning all', () => {
    assert.equal(wantsEvent({ events: ['*'] }, 'index.completed'), true);
    assert.equal(wantsEvent({ events: ['media.added'] }, 'media.added'), true);
    assert.equal(wantsEvent({ events: ['media.added'] }, 'media.removed'), false);
  });
});

void describe('webhook retry policy', () => {
  const policy = { initialDelayMs: 1000, maxDelayMs: 8000, maxAgeMs: 60_000 };

  void it('classifies answers: 2xx ok, 408/429/5xx retry, other 3xx/4xx fail', () => {
    for (const status of [200, 201, 204, 299]) assert.equal(classifyStatus(status).kind, 'delivered', String(status));
    for (const status of [408, 429, 500, 502, 503, 0]) assert.equal(classifyStatus(status).kind, 'retry', String(status));
    for (const status of [301, 400, 401, 403, 404, 410, 422]) assert.equal(classifyStatus(status).kind, 'failed', String(status));
  });

  void it('doubles the wait up to the cap, jittered within [half, full]', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0.999999)), [1000, 2000, 4000, 8000, 8000, 8000]);
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0)), [500, 1000, 2000, 4000]);
    assert.equal(backoffDelay(10_000, policy, () => 0.5), 6000, 'huge failure counts do not overflow');
  });

  void it('stops once the next attempt would fall past the lifetime', () => {
    const short = { ...policy, maxAgeMs: 5000 };
    const full = () => 0.999999;
    assert.equal(nextAttemptAt(0, 1, 0, short, full), 1000);
    assert.equal(nextAttemptAt(0, 3, 1000, short, full), 5000);
    assert.equal(nextAttemptAt(0, 3, 1001, short, full), null);
  });
});
