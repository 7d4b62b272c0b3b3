import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

/**
 * Runs heic-decode (libheif in WebAssembly) off the main thread: it decodes synchronously
 * and a 12-megapixel iPhone photo would otherwise stall every request for a second.
 */
interface DecodedImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}
type HeicDecode = (input: { buffer: Buffer }) => Promise<DecodedImage>;

const decode = createRequire(import.meta.url)('heic-decode') as HeicDecode;

parentPort?.on('message', (job: { id: number; path: string }) => {
  void (async () => {
    try {
      const image = await decode({ buffer: await readFile(job.path) });
      const pixels = image.data.buffer as ArrayBuffer;
      parentPort!.postMessage({ id: job.id, width: image.width, height: image.height, pixels }, [pixels]);
    } catch (error) {
      parentPort!.postMessage({ id: job.id, error: (error as Error).message });
    }
  })();
});
