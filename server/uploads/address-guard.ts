import { BlockList, isIP } from 'node:net';

/**
 * Which network addresses a `{"url"}` upload may reach. Pure (node:net's BlockList is an
 * in-memory matcher, no socket): the fetcher asks before every connection, on every
 * redirect hop, with the address it will actually dial.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

const ranges: ReadonlyArray<[AddressClass, 'ipv4' | 'ipv6', string, number]> = [
  // Cloud metadata endpoints first: they sit inside the wider ranges below.
  ['metadata', 'ipv4', '169.254.169.254', 32],
  ['metadata', 'ipv4', '100.100.100.200', 32],
  ['metadata', 'ipv6', 'fd00:ec2::254', 128],
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '100.64.0.0', 10], // carrier-grade NAT
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['link-local', 'ipv4', '169.254.0.0', 16],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['reserved', 'ipv4', '192.0.2.0', 24],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['reserved', 'ipv4', '198.18.0.0', 15],
  ['reserved', 'ipv4', '198.51.100.0', 24],
  ['reserved', 'ipv4', '203.0.113.0', 24],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4],
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['reserved', 'ipv6', '64:ff9b::', 96], // NAT64 reaches IPv4 behind the gateway
  ['reserved', 'ipv6', '100::', 64],
  ['reserved', 'ipv6', '2001:db8::', 32],
  ['reserved', 'ipv6', '2002::', 16], // 6to4 embeds an IPv4 address
  ['private', 'ipv6', 'fc00::', 7],
  ['link-local', 'ipv6', 'fe80::', 10],
  ['private', 'ipv6', 'fec0::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
];

const lists = new Map<AddressClass, BlockList>();
for (const [kind, family, network, prefix] of ranges) {
  let list = lists.get(kind);
  if (!list) lists.set(kind, (list = new BlockList()));
  list.addSubnet(network, prefix, family);
}
const order: AddressClass[] = [
  'metadata',
  'loopback',
  'unspecified',
  'link-local',
  'private',
  'multicast',
  'reserved',
];

/** Classifies an IP literal; anything that does not parse as one is 'reserved' (refused). */
export function classifyAddress(address: string): AddressClass {
  let ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 0) return 'reserved';
  if (family === 6) {
    // IPv4-mapped and IPv4-compatible forms reach the embedded IPv4 address.
    const mapped = /^(?:0{0,4}:){0,5}(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(ip) ?? hexMapped(ip);
    if (mapped) ip = mapped[1]!;
  }
  const kind = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
  for (const name of order) if (lists.get(name)!.check(ip, kind)) return name;
  return 'public';
}

/** `::ffff:7f00:1` (how URL parsers print `[::ffff:127.0.0.1]`) as its dotted IPv4 form. */
function hexMapped(ip: string): [string, string] | null {
  const match =
    /^(?:0{0,4}:){0,5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip) ??
    /^::([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!match) return null;
  const high = parseInt(match[1]!, 16);
  const low = parseInt(match[2]!, 16);
  return [ip, `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`];
}

/** A readable reason for refusing `address`, or null when it may be dialled. */
export function refusalReason(address: string): string | null {
  const kind = classifyAddress(address);
  if (kind === 'public') return null;
  const words: Record<Exclude<AddressClass, 'public'>, string> = {
    loopback: 'a loopback address',
    private: 'a private network address',
    'link-local': 'a link-local address',
    metadata: 'a cloud metadata address',
    unspecified: 'an unspecified address',
    multicast: 'a multicast address',
    reserved: 'a reserved address',
  };
  return words[kind];
}

/**
 * Whether `url`'s host is on the operator's allow-list (`uploads.fetch.allowHosts`): entries
 * are host names or `host:port`, compared after URL normalisation (so `0x7f000001` is
 * `127.0.0.1`, exactly as it would be dialled).
 */
export function hostAllowed(url: URL, allowHosts: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowHosts.some((entry) => {
    const normalized = normalizeEntry(entry);
    return normalized === host || normalized === `${host}:${port}`;
  });
}

function normalizeEntry(entry: string): string {
  try {
    const url = new URL(`http://${entry.trim()}`);
    return url.port ? `${url.hostname}:${url.port}`.toLowerCase() : url.hostname.toLowerCase();
  } catch {
    return entry.trim().toLowerCase();
  }
}
