import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { classifyAddress, hostAllowed } from '../../server/uploads/address-guard.js';
import {
  fetchForUpload,
  type PinnedTarget,
  type UrlFetchOptions,
} from '../../server/uploads/url-fetch.js';

void describe('address guard', () => {
  it('classifies loopback, private, link-local, metadata and public addresses, in every spelling', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.10', 'private'],
      ['100.64.0.1', 'private'],
      ['fc00::1', 'private'],
      ['fd12:3456::1', 'private'],
      ['::ffff:10.0.0.1', 'private'],
      ['169.254.1.1', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['169.254.169.254', 'metadata'],
      ['::ffff:169.254.169.254', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['ff02::1', 'multicast'],
      ['64:ff9b::7f00:1', 'reserved'],
      ['2002:7f00:1::', 'reserved'],
      ['not an address', 'reserved'],
      ['93.184.216.34', 'public'],
      ['172.32.0.1', 'public'],
      ['2606:4700::1111', 'public'],
    ];
    for (const [address, expected] of cases)
      assert.equal(classifyAddress(address), expected, address);
  });

  it('matches the allow-list by normalised host name and optional port', () => {
    assert.ok(hostAllowed(new URL('http://127.0.0.1:8080/x'), ['127.0.0.1:8080']));
    assert.ok(hostAllowed(new URL('http://0x7f000001:8080/x'), ['127.0.0.1']));
    assert.ok(!hostAllowed(new URL('http://127.0.0.1:8081/x'), ['127.0.0.1:8080']));
    assert.ok(hostAllowed(new URL('http://NAS.local/x'), ['nas.local']));
    assert.ok(!hostAllowed(new URL('http://nas.local.evil.example/x'), ['nas.local']));
  });
});

/** A fetch with stubbed DNS and a request stub that records every connection it would open. */
function harness(
  dns: Record<string, string[]>,
  answers: Record<string, { status: number; location?: string }> = {},
) {
  const connections: PinnedTarget[] = [];
  const options: UrlFetchOptions = {
    allowHosts: [],
    maxRedirects: 3,
    timeoutMs: 2000,
    resolve: async (host) => {
      const found = dns[host];
      if (!found) throw new Error('ENOTFOUND');
      return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    request: async (target) => {
      connections.push(target);
      const answer = answers[target.url.toString()] ?? { status: 200 };
      const body = new PassThrough();
      body.end('data');
      return {
        status: answer.status,
        headers: answer.location ? { location: answer.location } : { 'content-type': 'image/jpeg' },
        body,
      };
    },
  };
  return { options, connections };
}

void describe('fetchForUpload (stubbed DNS: no socket is opened)', () => {
  const refusedWith = (pattern: RegExp) => (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'url_refused');
    assert.match((error as Error).message, pattern);
    return true;
  };

  it('refuses a name resolving to a private address before connecting', async () => {
    const { options, connections } = harness({ 'photos.example': ['10.0.0.5'] });
    await assert.rejects(
      fetchForUpload('http://photos.example/a.jpg', options),
      refusedWith(/private network address \(10\.0\.0\.5\)/),
    );
    assert.equal(connections.length, 0);
  });

  it('refuses when any of the addresses is private, not just the first', async () => {
    const { options, connections } = harness({ 'mixed.example': ['93.184.216.34', '192.168.0.2'] });
    await assert.rejects(
      fetchForUpload('http://mixed.example/a.jpg', options),
      refusedWith(/192\.168\.0\.2/),
    );
    assert.equal(connections.length, 0);
  });

  it('refuses metadata, link-local and IPv6 private literals and names', async () => {
    const { options, connections } = harness({
      'meta.example': ['169.254.169.254'],
      'v6.example': ['fd00::1'],
      'll.example': ['fe80::2'],
    });
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://meta.example/',
      'http://v6.example/',
      'http://ll.example/',
      'http://[fe80::1]/',
      'http://10.9.8.7/',
    ]) {
      await assert.rejects(fetchForUpload(url, options), refusedWith(/address/), url);
    }
    assert.equal(connections.length, 0);
  });

  it('re-checks every redirect hop and refuses one pointing into the private network', async () => {
    const { options, connections } = harness(
      { 'cdn.example': ['93.184.216.34'], 'internal.example': ['10.1.2.3'] },
      {
        'http://cdn.example/a.jpg': { status: 302, location: 'http://internal.example/secret.jpg' },
      },
    );
    await assert.rejects(
      fetchForUpload('http://cdn.example/a.jpg', options),
      refusedWith(/internal\.example is a private network address/),
    );
    assert.deepEqual(
      connections.map((c) => c.url.host),
      ['cdn.example'],
      'only the public first hop was dialled',
    );
    const relative = harness(
      { 'cdn.example': ['93.184.216.34'] },
      { 'http://cdn.example/a.jpg': { status: 301, location: 'http://169.254.169.254/' } },
    );
    await assert.rejects(
      fetchForUpload('http://cdn.example/a.jpg', relative.options),
      refusedWith(/metadata/),
    );
    assert.equal(relative.connections.length, 1);
  });

  it('pins the connection to the checked address and bounds redirects', async () => {
    const ok = harness({ 'cdn.example': ['93.184.216.34'] });
    const fetched = await fetchForUpload('http://cdn.example/dir/IMG_1.jpg', ok.options);
    fetched.done();
    assert.equal(ok.connections[0]!.address, '93.184.216.34');
    assert.equal(fetched.nameHint, 'IMG_1.jpg');
    const loop = harness(
      { 'cdn.example': ['93.184.216.34'] },
      { 'http://cdn.example/a': { status: 302, location: '/a' } },
    );
    await assert.rejects(
      fetchForUpload('http://cdn.example/a', loop.options),
      refusedWith(/more than 3 redirects/),
    );
    assert.equal(loop.connections.length, 4);
  });

  it('fetches only http(s) URLs without credentials', async () => {
    const { options, connections } = harness({ 'cdn.example': ['93.184.216.34'] });
    for (const url of [
      'file:///etc/passwd',
      'ftp://cdn.example/a.jpg',
      'gopher://cdn.example/',
      'http://user:pw@cdn.example/a.jpg',
      'not a url',
    ]) {
      await assert.rejects(fetchForUpload(url, options), refusedWith(/url:/), url);
    }
    assert.equal(connections.length, 0);
  });
});
