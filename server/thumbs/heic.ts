import { Worker } from 'node:worker_threads';

/**
 * HEIC/HEIF decoding through libheif compiled to WebAssembly (heic-decode): the prebuilt
 * sharp reads HEIF headers but has no HEVC decoder. libheif applies the container's
 * rotation/mirror boxes itself, so the pixels come out upright. Decoding happens in one
 * worker thread (callers are already bounded by the sharp limiter), started on first use
 * and let go when idle so it never keeps the process alive.
 */
interface Reply {
  id: number;
  width?: number;
  height?: number;
  pixels?: ArrayBuffer;
  error?: string;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();

function getWorker(): Worker {
  if (worker) return worker;
  // The built server runs the compiled .js beside this file. Run from source (tsx), worker
  // threads do not inherit tsx's loader, so the worker registers it before importing.
  const fromSource = import.meta.url.endsWith('.ts');
  const file = new URL(fromSource ? './heic-worker.ts' : './heic-worker.js', import.meta.url);
  const created = fromSource
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); });`, { eval: true })
    : new Worker(file);
  created.on('message', (reply: Reply) => {
    pending.get(reply.id)?.resolve(reply);
    pending.delete(reply.id);
    if (pending.size === 0) created.unref();
  });
  created.on('error', (error) => failAll(error));
  created.on('exit', () => {
    worker = null;
    failAll(new Error('HEIC decoder stopped'));
  });
  worker = created;
  return created;
}

function failAll(error: Error): void {
  for (const job of pending.values()) job.reject(error);
  pending.clear();
}

export async function decodeHeic(absPath: string): Promise<{ pixels: Buffer; width: number; height: number }> {
  const thread = getWorker();
  const id = nextId++;
  const reply = await new Promise<Reply>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    thread.ref();
    thread.postMessage({ id, path: absPath });
  });
  if (reply.error !== undefined || !reply.pixels || !reply.width || !reply.height) {
    throw new Error(`heif decode failed: ${reply.error ?? 'no image'}`);
  }
  return { pixels: Buffer.from(reply.pixels), width: reply.width, height: reply.height };
}

export const isHeif = (mime: string) => mime === 'image/heic' || mime === 'image/heif';
