import type { Role } from './roles.js';

/**
 * The one table of who may call what. Every request is classified here, before any router
 * runs, so a route added later is covered by the closest rule instead of being open.
 * Pure: method and raw path in, access class out.
 */
export type Access =
  /** Anyone: the static PWA shell, probes, logging in, exchanging a share token. */
  | { kind: 'public' }
  /** `/api/session` itself: answers for anyone, says who is logged in. */
  | { kind: 'session' }
  /** One media item (detail, thumbnail, original, transform, named output). */
  | { kind: 'item'; id: string | null; transform: boolean }
  /** Listings, restricted to the share under a share session. */
  | { kind: 'listing' }
  /** The live event socket. */
  | { kind: 'events' }
  /** Prometheus metrics: loopback, admins, or everyone when `metrics.public`. */
  | { kind: 'metrics' }
  /** Uploads: members and admins, a signed upload URL, or a share link that accepts uploads. */
  | { kind: 'upload' }
  /** A signed-in user or API token with at least this role. */
  | { kind: 'role'; role: Role };

interface Rule {
  methods: readonly string[] | null;
  pattern: RegExp;
  access: (match: RegExpExecArray, raw: string) => Access;
}

const READ = ['GET', 'HEAD'] as const;
const WRITE = ['PUT', 'DELETE'] as const;
const fixed = (access: Access) => () => access;

/** Named outputs (`w200.jpg`) and `/image` are transforms; other item routes serve fixed files. */
const NOT_TRANSFORMS = new Set(['original', 'play', 'thumb', 'favorite', 'archive']);

function itemAccess(match: RegExpExecArray, raw: string): Access {
  const rest = match[2] ?? '';
  const first = rest.split('/')[1] ?? '';
  const transform = first === 'image' || (rest.split('/').length === 2 && first !== '' && !NOT_TRANSFORMS.has(first));
  return { kind: 'item', id: rawSegment(raw, 3), transform };
}

/** The route table, first match wins; paths are matched decoded and lower-cased (see normalize). */
export const accessRules: readonly Rule[] = [
  { methods: READ, pattern: /^\/probe\/[^/]+$/, access: fixed({ kind: 'public' }) },
  { methods: ['POST'], pattern: /^\/api\/session$/, access: fixed({ kind: 'public' }) },
  { methods: [...READ, 'DELETE'], pattern: /^\/api\/session$/, access: fixed({ kind: 'session' }) },
  { methods: ['POST'], pattern: /^\/api\/shares\/[^/]+\/session$/, access: fixed({ kind: 'public' }) },
  { methods: ['POST'], pattern: /^\/api\/shares$/, access: fixed({ kind: 'role', role: 'member' }) },
  { methods: READ, pattern: /^\/api\/shares$/, access: fixed({ kind: 'role', role: 'member' }) },
  { methods: ['DELETE'], pattern: /^\/api\/shares\/[^/]+$/, access: fixed({ kind: 'role', role: 'member' }) },
  { methods: READ, pattern: /^\/api\/(media|timeline|folders)$/, access: fixed({ kind: 'listing' }) },
  { methods: WRITE, pattern: /^\/api\/media\/([^/]+)\/(favorite|archive)$/, access: fixed({ kind: 'role', role: 'member' }) },
  { methods: READ, pattern: /^\/api\/media\/([^/]+)((?:\/[^/]*)*)$/, access: itemAccess },
  // Rendering several outputs is reading one item, like its transform URLs (CSRF still applies).
  { methods: ['POST'], pattern: /^\/api\/media\/([^/]+)\/outputs$/, access: (_match, raw) => ({ kind: 'item', id: rawSegment(raw, 3), transform: true }) },
  { methods: null, pattern: /^\/api\/uploads(\/.*)?$/, access: fixed({ kind: 'upload' }) },
  { methods: READ, pattern: /^\/api\/events$/, access: fixed({ kind: 'events' }) },
  // Each command names its own roles (checked by the route); the gate needs a signed-in user.
  { methods: ['POST'], pattern: /^\/api\/commands\/[^/]+$/, access: fixed({ kind: 'role', role: 'viewer' }) },
  { methods: READ, pattern: /^\/metrics$/, access: fixed({ kind: 'metrics' }) },
  { methods: READ, pattern: /^\/api(\/.*)?$/, access: fixed({ kind: 'role', role: 'viewer' }) },
  { methods: null, pattern: /^\/api(\/.*)?$/, access: fixed({ kind: 'role', role: 'member' }) },
  // Everything else readable is the PWA's static shell (login page included).
  { methods: READ, pattern: /^\//, access: fixed({ kind: 'public' }) },
  { methods: null, pattern: /^/, access: fixed({ kind: 'role', role: 'admin' }) },
];

/**
 * Decodes, lower-cases and collapses the path the way a lenient router might read it, so
 * `/API/Media`, `/api//media/` or `/%61pi/media` cannot slip past as a static file.
 * Undecodable paths return null and are treated as protected API calls.
 */
export function normalizePath(raw: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const collapsed = decoded.replace(/\\/g, '/').replace(/\/{2,}/g, '/').toLowerCase();
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

export function classifyRequest(method: string, rawPath: string): Access {
  const path = normalizePath(rawPath);
  if (path === null) return { kind: 'role', role: 'viewer' };
  const verb = method.toUpperCase();
  for (const rule of accessRules) {
    if (rule.methods && !rule.methods.includes(verb)) continue;
    const match = rule.pattern.exec(path);
    if (match) return rule.access(match, rawPath);
  }
  return { kind: 'role', role: 'admin' };
}

/** The `index`-th segment of the raw path, decoded with its case kept (ids are case-sensitive). */
function rawSegment(raw: string, index: number): string | null {
  const segments = raw.replace(/\/{2,}/g, '/').split('/');
  try {
    return decodeURIComponent(segments[index] ?? '') || null;
  } catch {
    return null;
  }
}
