/**
 * Builds the PWA into public/: bundles web/src with content-hashed names, writes index.html
 * and the web manifest, renders the icons and generates the service worker (workbox
 * injectManifest over our own worker source). Run with `npm run build:web`.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { renderIcons } from './icons.js';
import { webManifest } from './manifest.js';
import { buildServiceWorker } from './service-worker.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const web = path.join(root, 'web');
const out = path.join(root, 'public');

export interface BuildResult {
  js: string[];
  css: string[];
  precached: number;
}

export async function buildWeb({ quiet = false } = {}): Promise<BuildResult> {
  const started = Date.now();
  await rm(path.join(out, 'app'), { recursive: true, force: true });
  await mkdir(path.join(out, 'app'), { recursive: true });

  const entry = path.join(web, 'src/main.ts');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    // Code only some sessions use (the uploader) is loaded on demand as its own chunk.
    splitting: true,
    minify: true,
    sourcemap: 'linked',
    target: ['es2021', 'chrome90', 'safari15', 'firefox90'],
    outdir: path.join(out, 'app'),
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: quiet ? 'error' : 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.relative(out, path.resolve(root, file)));
  const js = outputs.filter((file) => file.endsWith('.js'));
  // Only the entry goes into index.html; the chunks it imports statically are preloaded beside
  // it (not discovered one round trip later), the ones it imports on demand are left alone.
  const [entryFile, entryOutput] = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint !== undefined && path.resolve(root, output.entryPoint) === entry)!;
  const entryScript = path.relative(out, path.resolve(root, entryFile));
  const preloaded = entryOutput.imports.filter((imported) => imported.kind === 'import-statement').map((imported) => path.relative(out, path.resolve(root, imported.path)));
  const css = outputs.filter((file) => file.endsWith('.css'));

  const template = await readFile(path.join(web, 'index.html'), 'utf8');
  const html = template
    .replace('<!-- styles -->', css.map((file) => `<link rel="stylesheet" href="/${file}">`).join('\n    '))
    .replace('<!-- scripts -->', [`<script type="module" src="/${entryScript}"></script>`, ...preloaded.map((file) => `<link rel="modulepreload" href="/${file}">`)].join('\n    '));
  await writeFile(path.join(out, 'index.html'), html);
  await writeFile(path.join(out, 'manifest.webmanifest'), JSON.stringify(webManifest(), null, 2));
  await renderIcons(path.join(web, 'assets/icon.svg'), path.join(out, 'icons'));

  const precached = await buildServiceWorker({
    source: path.join(web, 'sw/sw.ts'),
    publicDir: out,
    tempDir: path.join(out, 'app'),
  });
  if (!quiet) {
    console.log(`web: built ${[...js, ...css].join(', ')}; ${precached} files precached; ${Date.now() - started} ms`);
  }
  return { js, css, precached };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildWeb({ quiet: process.argv.includes('--quiet') }).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
