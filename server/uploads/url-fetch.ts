import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { AppError } from '../api/errors.js';
import { hostAllowed, refusalReason } from './address-guard.js';

/** Where a hop will connect: the URL and the one address it was resolved to (pinned). */
export interface PinnedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export interface FetchedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface UrlFetchOptions {
  allowHosts: readonly string[];
  maxRedirects: number;
  timeoutMs: number;
  /** Resolves a host name to every address it has (stubbed in tests: no DNS, no socket). */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
  /** Opens one HTTP exchange to a pinned address (stubbed in tests). */
  request?: (target: PinnedTarget, signal: AbortSignal) => Promise<FetchedResponse>;
}

export interface FetchedMedia {
  body: Readable;
  contentType: string | null;
  contentLength: number | null;
  /** The last path segment of the final URL, a hint for the file name. */
  nameHint: string | null;
  finalUrl: string;
  /** Ends the timeout; call once the body has been read or abandoned. */
  done(): void;
}

const refused = (message: string) => new AppError('url_refused', message);

/**
 * GETs a URL for an upload without becoming a proxy into the server's network: only http(s),
 * no credentials in the URL, every hop's host resolved and each address checked before a
 * socket opens, the connection pinned to the checked address (no second lookup a DNS
 * rebinding could answer differently), redirects followed by hand and re-checked, a deadline
 * over the whole exchange. Hosts on `allowHosts` skip the address check (a NAS, a test server).
 */
export async function fetchForUpload(raw: string, options: UrlFetchOptions): Promise<FetchedMedia> {
  const resolve =
    options.resolve ?? ((host: string) => dnsLookup(host, { all: true, verbatim: true }));
  const request = options.request ?? requestPinned;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new AppError('request_timeout', 'the URL did not answer in time')),
    options.timeoutMs,
  );
  const done = () => clearTimeout(timer);
  try {
    let url = parseUrl(raw);
    for (let hop = 0; ; hop++) {
      const target = await pin(url, options.allowHosts, resolve);
      const response = await request(target, controller.signal);
      const location = header(response.headers, 'location');
      if (response.status >= 300 && response.status < 400 && location) {
        response.body.resume(); // drain the redirect's own body
        if (hop >= options.maxRedirects)
          throw refused(`url: more than ${options.maxRedirects} redirects`);
        url = parseUrl(new URL(location, url).toString());
        continue;
      }
      if (response.status < 200 || response.status >= 300) {
        response.body.resume();
        throw new AppError('url_fetch_failed', `url: the server answered ${response.status}`);
      }
      const length = Number(header(response.headers, 'content-length'));
      const segment = decodeSegment(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
      return {
        body: response.body,
        contentType: header(response.headers, 'content-type'),
        contentLength: Number.isSafeInteger(length) && length >= 0 ? length : null,
        nameHint: segment || null,
        finalUrl: url.toString(),
        done,
      };
    }
  } catch (error) {
    done();
    if (controller.signal.aborted) throw controller.signal.reason as Error;
    throw error;
  }
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('url: expected an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refused(`url: only http and https are fetched, not ${url.protocol}`);
  if (url.username || url.password) throw refused('url: credentials in the URL are not accepted');
  return url;
}

/** Resolves and checks every address of the host; the first one is dialled. */
export async function pin(
  url: URL,
  allowHosts: readonly string[],
  resolve: NonNullable<UrlFetchOptions['resolve']>,
): Promise<PinnedTarget> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const allowed = hostAllowed(url, allowHosts);
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new AppError('url_fetch_failed', `url: the host ${host} could not be resolved`);
    }
  }
  if (addresses.length === 0)
    throw new AppError('url_fetch_failed', `url: the host ${host} has no address`);
  if (!allowed) {
    // Every address, not only the first: a name answering with one public and one private
    // address must not be a coin toss.
    for (const { address } of addresses) {
      const reason = refusalReason(address);
      if (reason)
        throw refused(
          `url: ${host} is ${reason} (${address}); spis only fetches from public addresses unless the host is in uploads.fetch.allowHosts`,
        );
    }
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** node:http(s) to the pinned address; the URL's host still names the site (Host, SNI, certificate). */
function requestPinned(target: PinnedTarget, signal: AbortSignal): Promise<FetchedResponse> {
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(
      target.url,
      {
        lookup,
        signal,
        headers: { 'user-agent': 'spis-upload', accept: 'image/*,video/*' },
        agent: false,
      },
      (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
    );
    req.once('error', (error) =>
      reject(
        signal.aborted ? signal.reason : new AppError('url_fetch_failed', `url: ${error.message}`),
      ),
    );
  });
}

function header(headers: FetchedResponse['headers'], name: string): string | null {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
