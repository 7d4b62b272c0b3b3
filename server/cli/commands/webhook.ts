import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../../config/schema.js';
import type { ApiItem } from '../../shared/api-types.js';
import { deliveryHeaders, isWebhookEvent, newDelivery, WEBHOOK_EVENTS, type WebhookEvent } from '../../webhooks/delivery.js';
import { httpSender } from '../../webhooks/sender.js';
import { configFromCommandLine, parseCommandLine } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';

const USAGE = `spis webhook test [--url URL --secret SECRET] [--event NAME]

Sends one signed test delivery to every configured webhook (or only to --url) and prints
each receiver's answer. NAME is one of ${WEBHOOK_EVENTS.join(', ')} (default media.added);
the payload is marked "test": true. Exits 1 if any receiver did not answer 2xx.`;

export const webhookCommand: Command = {
  name: 'webhook',
  summary: 'send a signed test event to the configured webhooks',
  usage: USAGE,
  async run(argv) {
    const { values, positionals } = parseCommandLine(argv, { url: { type: 'string' }, secret: { type: 'string' }, event: { type: 'string' } });
    const [action, ...extra] = positionals;
    if (action !== 'test') throw new UsageError(`expected "test", got "${action ?? ''}"`);
    if (extra.length > 0) throw new UsageError(`unexpected "${extra.join(' ')}"`);
    const event = typeof values.event === 'string' ? values.event : 'media.added';
    if (!isWebhookEvent(event)) throw new UsageError(`--event must be one of ${WEBHOOK_EVENTS.join(', ')}, got "${event}"`);
    const { config } = configFromCommandLine(values);
    const targets = pickTargets(config.webhooks, values.url, values.secret);
    let failures = 0;
    for (const target of targets) {
      const line = await sendTest(target, event, config.webhookRetry.timeoutMs);
      process.stdout.write(`${line.text}\n`);
      if (!line.ok) failures++;
    }
    return failures > 0 ? 1 : 0;
  },
};

function pickTargets(hooks: readonly WebhookConfig[], url: unknown, secret: unknown): Array<Pick<WebhookConfig, 'url' | 'secret'>> {
  if (typeof url !== 'string') {
    if (typeof secret === 'string') throw new UsageError('--secret goes with --url');
    if (hooks.length === 0) throw new UsageError('no webhooks are configured; add "webhooks" to the config file or pass --url and --secret');
    return [...hooks];
  }
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  const known = hooks.find((hook) => hook.url === url)?.secret;
  const chosen = typeof secret === 'string' ? secret : known;
  if (!chosen) throw new UsageError('--url needs --secret (or a configured webhook with that URL)');
  return [{ url, secret: chosen }];
}

async function sendTest(target: Pick<WebhookConfig, 'url' | 'secret'>, event: WebhookEvent, timeoutMs: number) {
  const delivery = newDelivery(randomUUID(), event, target.url, Date.now(), sampleData(event));
  const shown = showUrl(target.url);
  const started = performance.now();
  try {
    const { status } = await httpSender({ url: target.url, headers: deliveryHeaders(delivery, target.secret, Date.now()), body: delivery.body, timeoutMs });
    const ms = Math.round(performance.now() - started);
    return { ok: status >= 200 && status < 300, text: `${shown} -> ${status} (${ms} ms, delivery ${delivery.id})` };
  } catch (error) {
    return { ok: false, text: `${shown} -> failed: ${(error as Error).message}` };
  }
}

/** Origin and path only: a query string may carry a receiver's token. */
function showUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search ? '?…' : ''}`;
}

function sampleData(event: WebhookEvent): Record<string, unknown> {
  switch (event) {
    case 'media.added':
    case 'media.updated':
      return { item: sampleItem(), test: true };
    case 'media.removed':
      return { id: 'spis-test-item', path: 'spis-test/example.jpg', test: true };
    case 'index.completed':
      return { count: 0, firstIndex: false, test: true };
    default: {
      const never: never = event;
      throw new Error(`unknown event ${String(never)}`);
    }
  }
}

function sampleItem(): ApiItem {
  const id = 'spis-test-item';
  return {
    id,
    path: 'spis-test/example.jpg',
    name: 'example.jpg',
    folder: 'spis-test',
    type: 'image',
    mime: 'image/jpeg',
    takenAt: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    takenAtSource: 'exif',
    takenAtOffsetSource: 'file',
    width: 4032,
    height: 3024,
    size: 3_145_728,
    favorite: false,
    archived: false,
    version: 'test',
    durationMs: null,
    placeholder: null,
    camera: null,
    gps: null,
    thumbs: { small: `/api/media/${id}/thumb/small?v=test`, large: `/api/media/${id}/thumb/large?v=test` },
    livePhoto: null,
  };
}
