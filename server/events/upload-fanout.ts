import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Library } from '../media/library.js';
import type { Logger } from '../ops/logger.js';
import type { RedisConnection } from '../state/redis-connection.js';
import type { EventBus } from './bus.js';

const CHANNEL = 'spis:events:uploads';
/** An expectation no replica fulfilled (the upload failed, or the file went elsewhere) is dropped. */
const EXPECTATION_MS = 10 * 60_000;

interface UploadMessage {
  origin: string;
  path: string;
  uploadedBy: string;
}

/**
 * Replicas learn about new files from the shared media folder, each by itself, so each
 * announces an upload once to its own clients. What the folder does not tell is who uploaded
 * it: only the replica that took the upload knows. It publishes that before placing the file
 * (Redis pub/sub, a few milliseconds against a poll interval of a second), so the others
 * announce the file with the same `uploadedBy`. Best effort: a replica that misses the
 * message still announces the file, without the attribution.
 */
export function shareUploadAttribution(deps: {
  library: Library;
  bus: EventBus;
  redis: RedisConnection;
  log: Logger;
}): { close(): Promise<void> } {
  const { library, bus, redis, log } = deps;
  const origin = randomBytes(8).toString('hex');
  const pending = new Map<string, { cancel: () => void; timer: NodeJS.Timeout }>();
  let applying = false;

  const onExpected = (rel: string, uploadedBy: string) => {
    if (applying) return; // relayed from another replica: not ours to publish again
    const message: UploadMessage = { origin, path: rel, uploadedBy };
    redis.client
      .publish(CHANNEL, JSON.stringify(message))
      .catch((error: Error) =>
        log.debug({ err: error.message }, 'could not share an upload attribution'),
      );
  };
  library.on('upload.expected', onExpected);

  const settle = (rel: string) => {
    const expectation = pending.get(rel);
    if (!expectation) return;
    pending.delete(rel);
    clearTimeout(expectation.timer);
    expectation.cancel();
  };
  const onAdded = ({ item }: { item: { path: string } }) => settle(item.path);
  bus.on('media.added', onAdded);

  const subscriber: Redis = redis.subscriber();
  subscriber.on('message', (_channel: string, text: string) => {
    let message: UploadMessage;
    try {
      message = JSON.parse(text) as UploadMessage;
    } catch {
      return;
    }
    if (
      message.origin === origin ||
      typeof message.path !== 'string' ||
      typeof message.uploadedBy !== 'string'
    )
      return;
    if (library.index.getByPath(message.path)) return; // already announced here
    settle(message.path);
    applying = true;
    try {
      const cancel = library.expectUpload(message.path, message.uploadedBy);
      const timer = setTimeout(() => settle(message.path), EXPECTATION_MS);
      timer.unref();
      pending.set(message.path, { cancel, timer });
    } finally {
      applying = false;
    }
  });
  void subscriber
    .subscribe(CHANNEL)
    .catch((error: Error) =>
      log.warn({ err: error.message }, 'could not subscribe to upload attributions'),
    );

  return {
    async close() {
      library.off('upload.expected', onExpected);
      bus.off('media.added', onAdded);
      for (const rel of [...pending.keys()]) settle(rel);
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
