import type { Principal } from './principal.js';
import { roleAtLeast } from './roles.js';
import type { Access } from './route-access.js';

export interface AccessFacts {
  access: Access;
  principal: Principal;
  /** `none` when the URL carries no `sig`/`expires`. */
  signature: 'none' | 'valid' | 'invalid';
  transformsSigned: boolean;
  usersExist: boolean;
  metricsPublic: boolean;
  /** The client's address is loopback (after trustProxy). */
  loopback: boolean;
}

export type Decision =
  | { allow: true; check?: 'share-item' | 'share-listing' }
  | { allow: false; status: 401 | 403; message: string };

const deny401 = (message = 'sign in first'): Decision => ({ allow: false, status: 401, message });
const deny403 = (message: string): Decision => ({ allow: false, status: 403, message });

/** Who may do what: pure, so every combination is tested without a server. */
export function decide(facts: AccessFacts): Decision {
  const { access, principal } = facts;
  if (facts.signature === 'invalid') return deny403('invalid or expired signature');
  switch (access.kind) {
    case 'public':
    case 'session':
      return { allow: true };
    case 'item':
      return decideItem(facts, access.transform);
    case 'listing':
      if (principal.kind === 'share') return { allow: true, check: 'share-listing' };
      return signedIn(principal) ? { allow: true } : deny401();
    case 'events':
      if (principal.kind === 'share') return deny403('live events are not available to share links');
      return signedIn(principal) ? { allow: true } : deny401();
    case 'metrics':
      if (facts.metricsPublic || facts.loopback) return { allow: true };
      if (principal.kind === 'user' || principal.kind === 'token') {
        return principal.role === 'admin' ? { allow: true } : deny403('metrics are for admins');
      }
      return deny401();
    case 'upload':
      if (facts.signature === 'valid' || principal.kind === 'open') return { allow: true };
      if (principal.kind === 'user' || principal.kind === 'token') {
        return roleAtLeast(principal.role, 'member') ? { allow: true } : deny403('uploading needs the member role');
      }
      if (principal.kind === 'share') return principal.share.upload ? { allow: true } : deny403('this share link does not accept uploads');
      return deny401();
    case 'role':
      if (principal.kind === 'open') return { allow: true };
      if (principal.kind === 'user' || principal.kind === 'token') {
        return roleAtLeast(principal.role, access.role) ? { allow: true } : deny403(`this needs the ${access.role} role`);
      }
      if (principal.kind === 'share') return deny403('a share link only shows its items');
      return deny401();
  }
}

function decideItem(facts: AccessFacts, transform: boolean): Decision {
  const { principal } = facts;
  const anonymous = principal.kind === 'anonymous' || principal.kind === 'open';
  if (anonymous && facts.signature === 'valid') return { allow: true };
  if (anonymous && transform && (facts.transformsSigned || facts.usersExist)) {
    return facts.usersExist ? deny401('sign in or use a signed URL') : deny403('transforms need a signed URL');
  }
  if (principal.kind === 'share') return { allow: true, check: 'share-item' };
  return signedIn(principal) ? { allow: true } : deny401();
}

function signedIn(principal: Principal): boolean {
  return principal.kind === 'user' || principal.kind === 'token' || principal.kind === 'open';
}
