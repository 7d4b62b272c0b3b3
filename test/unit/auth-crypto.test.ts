import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../../server/auth/password-hash.js';
import { canonicalQuery, parseDuration, signPath, verifySignature } from '../../server/auth/signed-url.js';
import { TokenBuckets } from '../../server/auth/token-bucket.js';
import { UserStore } from '../../server/auth/user-store.js';

const OLD = 'o'.repeat(32);
const NEW = 'n'.repeat(32);
const T0 = 1_700_000_000_000;

function split(signed: string): { path: string; query: string } {
  const at = signed.indexOf('?');
  return { path: signed.slice(0, at), query: signed.slice(at + 1) };
}

void describe('signed URLs', () => {
  const signed = signPath(NEW, '/api/media/AbCdEfGhIjKlMnOp/image?w=200&format=webp', T0 / 1000 + 900);
  const { path: p, query } = split(signed);

  void it('accepts a valid signature, also for HEAD', () => {
    assert.deepEqual(verifySignature([NEW], 'GET', p, query, T0), { ok: true });
    assert.deepEqual(verifySignature([NEW], 'HEAD', p, query, T0), { ok: true });
  });

  void it('refuses it once expired', () => {
    assert.deepEqual(verifySignature([NEW], 'GET', p, query, T0 + 900_000), { ok: false, reason: 'expired' });
  });

  void it('refuses tampered paths, parameters, expiry and methods', () => {
    assert.equal(verifySignature([NEW], 'GET', p.replace('AbCd', 'XbCd'), query, T0).ok, false);
    assert.equal(verifySignature([NEW], 'GET', p, query.replace('w=200', 'w=4000'), T0).ok, false);
    assert.equal(verifySignature([NEW], 'GET', p, query + '&blur=5', T0).ok, false);
    assert.deepEqual(verifySignature([NEW], 'GET', p, query.replace(/expires=\d+/, 'expires=99999999999'), T0), { ok: false, reason: 'mismatch' });
    assert.equal(verifySignature([NEW], 'DELETE', p, query, T0).ok, false);
    assert.deepEqual(verifySignature([NEW], 'GET', p, query.replace(/sig=[^&]+/, 'sig=abc'), T0), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifySignature([NEW], 'GET', p, 'w=200', T0), { ok: false, reason: 'missing' });
  });

  void it('does not depend on parameter order', () => {
    const reordered = query.split('&').reverse().join('&');
    assert.deepEqual(verifySignature([NEW], 'GET', p, reordered, T0), { ok: true });
    assert.equal(canonicalQuery('b=2&a=1&sig=x'), 'a=1&b=2');
  });

  void it('keeps old links working while secrets rotate', () => {
    const old = split(signPath(OLD, '/api/media/AbCdEfGhIjKlMnOp/w200.jpg', T0 / 1000 + 60));
    assert.deepEqual(verifySignature([NEW, OLD], 'GET', old.path, old.query, T0), { ok: true });
    assert.deepEqual(verifySignature([NEW], 'GET', old.path, old.query, T0), { ok: false, reason: 'mismatch' }, 'after the old secret is dropped');
  });

  void it('reads durations', () => {
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('30'), 30_000);
    assert.equal(parseDuration('0'), null);
    assert.equal(parseDuration('1 week'), null);
  });
});

void describe('token buckets', () => {
  void it('throttles after the burst and refills with the injected clock', () => {
    let now = 0;
    const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 0.5, now: () => now });
    for (let i = 0; i < 3; i++) assert.equal(buckets.take('a').ok, true);
    assert.deepEqual(buckets.take('a'), { ok: false, retryAfterMs: 2000 });
    assert.equal(buckets.take('b').ok, true, 'keys are independent');
    now = 1000;
    assert.deepEqual(buckets.peek('a'), { ok: false, retryAfterMs: 1000 });
    now = 2000;
    assert.equal(buckets.take('a').ok, true);
    assert.equal(buckets.take('a').ok, false);
    buckets.reset('a');
    assert.equal(buckets.take('a').ok, true);
  });

  void it('keeps memory bounded', () => {
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 1, maxKeys: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) buckets.take(`k${i}`);
    assert.equal(buckets.size, 100);
  });
});

void describe('passwords', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  void it('hashes with scrypt and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('correct horsE', hash), false);
    assert.equal(await verifyPassword('correct horse', 'garbage'), false);
    assert.notEqual(await hashPassword('correct horse'), hash, 'salted');
  });

  void it('fails every bad login the same way and never stores the password', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'spis-users-'));
    dirs.push(dir);
    const users = new UserStore(dir);
    await users.put('Ann', 'member', 'correct horse');
    assert.equal((await users.verify('ann', 'correct horse'))?.name, 'ann');
    assert.equal((await users.verify(' ANN ', 'correct horse'))?.name, 'ann');
    for (const [name, password] of [['ann', ''], ['ann', 42], ['ann', 'x'.repeat(5000)], ['bob', 'correct horse'], [null, 'correct horse'], ['ann', 'wrong']]) {
      assert.equal(await users.verify(name, password), null, `${String(name)} / ${String(password).slice(0, 10)}`);
    }
    await assert.rejects(users.put('ann', 'member', 'another pw'), /already exists/);
    await assert.rejects(users.put('bad name', 'member', 'another pw'), /bad user name/);
    const other = new UserStore(dir);
    await other.refresh(true);
    assert.equal(other.get('ann')?.role, 'member', 'persisted');
    assert.ok(!JSON.stringify(other.list()).includes('correct horse'));
  });
});
