/**
 * Every key and channel spis uses in the shared store, in one place, all under `spis:` so
 * one Redis database can be shared with other programs. Changing a name orphans live data.
 */
export const redisKeys = {
  /** Hash: content fingerprint → `{"favorite":…,"archived":…,"path":…}` (as in marks.json). */
  marks: 'spis:marks',
  /** Hash: content fingerprint → number of the last change to its marks (kept after a removal). */
  markSeqs: 'spis:marks:seq',
  /** Channel: `<seq> <favorite 0|1> <archived 0|1> <announce 0|1> <fingerprint> <path>`. */
  marksChannel: 'spis:marks',
  /** Hash per document (users.json, tokens.json, …): `json` and `version`. */
  document: (name: string) => `spis:doc:${name}`,
  /** Channel: the name of a document that changed. */
  documentsChannel: 'spis:docs',
  /** String: the secret that signs URLs when auth.signingSecrets is not set. */
  signingSecret: 'spis:signing-secret',
  /** Hash per rate-limit bucket: `tokens` and `at`; expires once it would be full again. */
  bucket: (name: string, key: string) => `spis:bucket:${name}:${key}`,
} as const;
