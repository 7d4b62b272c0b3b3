import http from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export interface RawAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Every file below `dir`, relative, hidden ones included: what an upload left behind. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function visit(current: string): Promise<void> {
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const abs = path.join(current, entry.name);
      if (entry.isDirectory()) await visit(abs);
      else out.push(path.relative(dir, abs).split(path.sep).join('/'));
    }
  }
  await visit(dir);
  return out.sort();
}

/**
 * A raw HTTP request whose body is written by `write` (chunk by chunk, stalling, aborting),
 * resolving with the answer as soon as it arrives, even if the server answers before the
 * body is complete (413 while streaming, 408 on a stall).
 */
export function rawRequest(
  url: string,
  headers: Record<string, string>,
  write: (req: http.ClientRequest) => void,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { text };
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // Writing after the server answered and closed is expected; the answer already came.
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    write(req);
  });
}
