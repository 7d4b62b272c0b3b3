import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { injectManifest } from 'workbox-build';

export interface ServiceWorkerOptions {
  source: string;
  publicDir: string;
  tempDir: string;
}

/**
 * Bundles our own worker (with the workbox modules it imports), then lets workbox inject
 * the precache manifest of the app shell. Hashed assets are not cache-busted again.
 */
export async function buildServiceWorker(options: ServiceWorkerOptions): Promise<number> {
  const bundled = path.join(options.tempDir, 'sw.bundle.tmp.js');
  await esbuild.build({
    entryPoints: [options.source],
    bundle: true,
    format: 'iife',
    minify: true,
    target: ['es2020'],
    outfile: bundled,
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'error',
  });
  try {
    const { count, warnings } = await injectManifest({
      swSrc: bundled,
      swDest: path.join(options.publicDir, 'sw.js'),
      globDirectory: options.publicDir,
      globPatterns: ['index.html', 'manifest.webmanifest', 'app/*.{js,css}', 'icons/*.{png,svg}'],
      globIgnores: ['app/*.tmp.js'],
      dontCacheBustURLsMatching: /-[A-Z0-9]{8}\.(js|css)$/,
      maximumFileSizeToCacheInBytes: 2 * 1024 * 1024,
    });
    for (const warning of warnings) console.warn(`service worker: ${warning}`);
    return count;
  } finally {
    await rm(bundled, { force: true });
  }
}
