import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type AccessFacts } from '../../server/auth/access-policy.js';
import { decideBind } from '../../server/auth/bind-policy.js';
import type { Principal } from '../../server/auth/principal.js';
import { bearerToken, readCookie } from '../../server/auth/principal.js';
import { classifyRequest, normalizePath, type Access } from '../../server/auth/route-access.js';
import type { StoredShare } from '../../server/auth/share-store.js';

const ID = 'AbCdEfGhIjKlMnOp';

void describe('route classification', () => {
  const cases: Array<[string, string, Access]> = [
    ['GET', '/', { kind: 'public' }],
    ['GET', '/assets/app.js', { kind: 'public' }],
    ['GET', '/probe/ready', { kind: 'public' }],
    ['POST', '/api/session', { kind: 'public' }],
    ['GET', '/api/session', { kind: 'session' }],
    ['DELETE', '/api/session', { kind: 'session' }],
    ['POST', '/api/shares/tok/session', { kind: 'public' }],
    ['POST', '/api/shares', { kind: 'role', role: 'member' }],
    ['GET', '/api/media', { kind: 'listing' }],
    ['GET', '/api/timeline', { kind: 'listing' }],
    ['GET', '/api/folders', { kind: 'listing' }],
    ['GET', `/api/media/${ID}`, { kind: 'item', id: ID, transform: false }],
    ['GET', `/api/media/${ID}/thumb/small`, { kind: 'item', id: ID, transform: false }],
    ['GET', `/api/media/${ID}/original`, { kind: 'item', id: ID, transform: false }],
    ['HEAD', `/api/media/${ID}/original`, { kind: 'item', id: ID, transform: false }],
    ['GET', `/api/media/${ID}/image`, { kind: 'item', id: ID, transform: true }],
    ['GET', `/api/media/${ID}/w200.jpg`, { kind: 'item', id: ID, transform: true }],
    ['PUT', `/api/media/${ID}/favorite`, { kind: 'role', role: 'member' }],
    ['DELETE', `/api/media/${ID}/archive`, { kind: 'role', role: 'member' }],
    ['GET', '/api/events', { kind: 'events' }],
    ['GET', '/metrics', { kind: 'metrics' }],
    ['GET', '/api/status', { kind: 'role', role: 'viewer' }],
    ['GET', '/api/some-future-route', { kind: 'role', role: 'viewer' }],
    ['POST', '/api/some-future-route', { kind: 'role', role: 'member' }],
    ['POST', '/upload', { kind: 'role', role: 'admin' }],
  ];
  for (const [method, path, expected] of cases) {
    void it(`${method} ${path}`, () => assert.deepEqual(classifyRequest(method, path), expected));
  }

  void it('cannot be fooled into "public" by case, encoding, doubled or trailing slashes', () => {
    for (const path of ['/API/media', '/api//media', '/api/media/', '/%61pi/media', '/Api/Media/', '/api%2Fmedia', '/api\\media']) {
      assert.notEqual(classifyRequest('GET', path).kind, 'public', path);
    }
    assert.deepEqual(classifyRequest('GET', '/%E0%A4%A'), { kind: 'role', role: 'viewer' }, 'undecodable path');
    assert.deepEqual(classifyRequest('GET', '/x%00y'), { kind: 'role', role: 'viewer' }, 'NUL byte');
  });

  void it('keeps the id case-sensitive and decoded', () => {
    assert.deepEqual(classifyRequest('GET', `/API/MEDIA/${ID}/original`), { kind: 'item', id: ID, transform: false });
    assert.equal(normalizePath('/A//b/'), '/a/b');
  });
});

const share: StoredShare = { items: [ID], filter: null, expiresAt: null, passwordHash: null, createdBy: 'user:ann', createdAt: 0 };
const principals: Record<string, Principal> = {
  anonymous: { kind: 'anonymous' },
  open: { kind: 'open' },
  viewer: { kind: 'user', name: 'v', role: 'viewer', session: 's' },
  member: { kind: 'user', name: 'm', role: 'member', session: 's' },
  admin: { kind: 'token', name: 'a', role: 'admin' },
  share: { kind: 'share', digest: 'd', share, session: 's' },
};

function facts(access: Access, who: keyof typeof principals, extra: Partial<AccessFacts> = {}): AccessFacts {
  return {
    access,
    principal: principals[who]!,
    signature: 'none',
    transformsSigned: false,
    usersExist: who !== 'open',
    metricsPublic: false,
    loopback: false,
    ...extra,
  };
}

void describe('access policy', () => {
  const item: Access = { kind: 'item', id: ID, transform: false };
  const transform: Access = { kind: 'item', id: ID, transform: true };
  const favorite: Access = { kind: 'role', role: 'member' };

  void it('refuses anonymous callers everything but public routes when users exist', () => {
    for (const access of [item, transform, { kind: 'listing' }, { kind: 'events' }, favorite] as Access[]) {
      assert.equal((decide(facts(access, 'anonymous')) as { status: number }).status, 401);
    }
    assert.deepEqual(decide(facts({ kind: 'public' }, 'anonymous')), { allow: true });
  });

  void it('lets a viewer look but not mark; a member marks', () => {
    assert.equal(decide(facts(item, 'viewer')).allow, true);
    assert.equal((decide(facts(favorite, 'viewer')) as { status: number }).status, 403);
    assert.equal(decide(facts(favorite, 'member')).allow, true);
    assert.equal(decide(facts(favorite, 'admin')).allow, true);
  });

  void it('scopes share links and keeps them away from events and changes', () => {
    assert.deepEqual(decide(facts(item, 'share')), { allow: true, check: 'share-item' });
    assert.deepEqual(decide(facts({ kind: 'listing' }, 'share')), { allow: true, check: 'share-listing' });
    assert.equal((decide(facts({ kind: 'events' }, 'share')) as { status: number }).status, 403);
    assert.equal((decide(facts(favorite, 'share')) as { status: number }).status, 403);
  });

  void it('needs a signature for anonymous transforms when users exist or transforms.signed', () => {
    assert.equal((decide(facts(transform, 'anonymous')) as { status: number }).status, 401);
    assert.equal(decide(facts(transform, 'anonymous', { signature: 'valid' })).allow, true);
    assert.equal(decide(facts(transform, 'open')).allow, true, 'no users, unsigned allowed');
    assert.equal((decide(facts(transform, 'open', { transformsSigned: true })) as { status: number }).status, 403);
    assert.equal(decide(facts(transform, 'open', { transformsSigned: true, signature: 'valid' })).allow, true);
    assert.equal(decide(facts(transform, 'viewer', { transformsSigned: true })).allow, true, 'a session needs no signature');
    assert.equal((decide(facts(item, 'admin', { signature: 'invalid' })) as { status: number }).status, 403);
  });

  void it('serves metrics to loopback, admins, or everyone when public', () => {
    const metrics: Access = { kind: 'metrics' };
    assert.equal(decide(facts(metrics, 'anonymous', { loopback: true })).allow, true);
    assert.equal(decide(facts(metrics, 'anonymous', { metricsPublic: true })).allow, true);
    assert.equal(decide(facts(metrics, 'admin')).allow, true);
    assert.equal((decide(facts(metrics, 'viewer')) as { status: number }).status, 403);
    assert.equal((decide(facts(metrics, 'anonymous')) as { status: number }).status, 401);
  });
});

void describe('binding and headers', () => {
  void it('stays on loopback without users unless allowed', () => {
    assert.deepEqual(decideBind('0.0.0.0', false, false), { host: '127.0.0.1', notice: 'loopback-only' });
    assert.deepEqual(decideBind('::', false, false), { host: '::1', notice: 'loopback-only' });
    assert.deepEqual(decideBind('0.0.0.0', false, true), { host: '0.0.0.0', notice: 'anonymous-remote' });
    assert.deepEqual(decideBind('0.0.0.0', true, false), { host: '0.0.0.0', notice: null });
    assert.deepEqual(decideBind('127.0.0.1', false, false), { host: '127.0.0.1', notice: null });
  });

  void it('reads cookies and bearer tokens strictly', () => {
    assert.equal(readCookie('a=1; spis_session=xyz; b=2', 'spis_session'), 'xyz');
    assert.equal(readCookie('xspis_session=1', 'spis_session'), undefined);
    assert.equal(bearerToken(undefined), null);
    assert.equal(bearerToken('Bearer spis_abc-_'), 'spis_abc-_');
    assert.equal(bearerToken('Basic Zm9v'), '');
  });
});
