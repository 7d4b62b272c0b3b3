import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Library } from '../media/library.js';
import { version } from '../version.js';

/** Sections other parts of the server add to `/api/status` (thumbnails, webhooks, …). */
export type StatusSections = Map<string, () => unknown>;

export function statusRoute(library: Library, sections: StatusSections): Router {
  const router = createRouter();
  router.get('/api/status', (ctx) => {
    let images = 0;
    for (const record of library.index.all()) if (record.type === 'image') images++;
    const marks = library.markCounts();
    const { scan } = library;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      version,
      ready: library.isReady,
      items: {
        total: library.index.size,
        images,
        videos: library.index.size - images,
        favorites: marks.favorites,
        archived: marks.archived,
        skipped: library.skipped.size,
      },
      scan: {
        state: scan.phase,
        done: scan.done,
        total: scan.total,
        startedAt: scan.startedAt === null ? null : new Date(scan.startedAt).toISOString(),
        durationMs: scan.durationMs,
        metadataReads: library.prober.metadataReads,
      },
      // Relative paths and reasons, capped: enough to find a bad file without a log.
      skipped: [...library.skipped.entries()].slice(0, 50).map(([path, reason]) => ({ path, reason })),
      ...Object.fromEntries([...sections.entries()].map(([name, read]) => [name, read()])),
    };
  });
  return router;
}
