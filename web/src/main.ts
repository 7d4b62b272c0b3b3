import './styles/app.css';
import { AppController } from './controller/app-controller.js';
import { CommandController } from './controller/command-controller.js';
import { LiveController } from './controller/live-controller.js';
import { api, prefetch, seed } from './lib/api.js';
import { readBoot } from './lib/boot.js';
import { LiveEventsClient } from './lib/live-events.js';
import { whenIdle } from './lib/idle.js';
import { FIRST_PAGE } from './lib/page-loader.js';
import { needsLogin, readSession } from './lib/session.js';
import { capabilitiesOf, shareTokenIn, type Capabilities } from './lib/share-link.js';
import { detectThumbFormat } from './lib/thumb-url.js';
import { parseView } from './lib/view-state.js';
import { FilterBar } from './ui/filter-bar.js';
import { Lightbox } from './ui/lightbox.js';
import { showLogin } from './ui/login-form.js';
import { Scrubber } from './ui/scrubber.js';
import { SelectionBar } from './ui/selection-bar.js';
import { openShareLink } from './ui/share-gate.js';
import { showShareLinks } from './ui/share-links-page.js';
import { StatusLine } from './ui/status-line.js';
import { TimelineView } from './ui/timeline-view.js';
import { Toasts } from './ui/toasts.js';

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el;
}

/** A task boundary: what follows runs in a task of its own, so a tap can be answered in between. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Composition: build each UI class on its element, hand them all to the controller. Built in
 * one go, the parts and their start were one of the longest tasks a phone ran at start-up
 * (first use of each part's code is compiled then): three shorter tasks instead.
 */
async function startApp(can: Capabilities): Promise<AppController> {
  // Viewers and share links see no favourite, archive or selection controls (the server
  // refuses those changes anyway); share links get no event stream either.
  document.body.classList.toggle('read-only', !can.mark);
  const status = new StatusLine(byId('status'));
  const timeline = new TimelineView(byId('timeline'));
  const scrubber = new Scrubber(byId('scrubber'));
  const filters = new FilterBar(byId('topbar'));
  await nextTask();
  const ui = {
    timeline,
    scrubber,
    filters,
    lightbox: new Lightbox(byId('lightbox')),
    selectionBar: new SelectionBar(byId('selection-bar')),
    toasts: new Toasts(byId('toasts')),
    status,
  };
  const app = new AppController(ui);
  app.selection.enabled = can.mark;
  const live = new LiveEventsClient();
  new LiveController(app, live, status);
  // Exposed for tests and benchmarks that count what is rendered.
  (window as unknown as { spis: unknown }).spis = { app, timeline };
  await nextTask();
  app.start();
  if (can.live) live.start();
  // Custom commands: only signed-in users (or the owner of a server without users) have any.
  if (can.live) {
    const lightboxActions = byId('lightbox').querySelector<HTMLElement>('.lb-actions');
    const selection = { get ids() { return app.selection.selectedIds; }, clear: () => app.selection.clear() };
    // Their buttons are not on the first screen: asked for once it is drawn.
    const commands = lightboxActions && new CommandController({ lightbox: ui.lightbox, lightboxActions, selectionBar: byId('selection-bar'), selection, toasts: ui.toasts });
    if (commands) void timeline.afterFirstScreen().then(() => commands.start());
  }
  return app;
}

/**
 * How long after the first screen the service worker waits to install. Installing it starts
 * a script of its own, downloads and stores the app shell and copies what is on screen: in a
 * phone's first seconds, when a person starts to scroll, that work made the page's own tasks
 * wait for the CPU (traces on 2 cores: +100-200 ms of blocking time). Later it costs nothing
 * anyone feels; and on a returning visit the worker is already in control.
 */
const SERVICE_WORKER_DELAY_MS = 5000;

/** The service worker keeps the shell and what was seen for offline use. */
function registerServiceWorker(app: AppController): void {
  if (!('serviceWorker' in navigator)) return;
  void app.timeline.afterFirstScreen().then(() => {
    setTimeout(() => whenIdle(() => installServiceWorker(app)), SERVICE_WORKER_DELAY_MS);
  });
}

function installServiceWorker(app: AppController): void {
  const hadController = navigator.serviceWorker.controller !== null;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (hadController) return;
    // First visit: the page loaded before the worker existed, so hand it what is on screen.
    app.warmOfflineCache();
    const urls = [...document.querySelectorAll<HTMLImageElement>('.tile img')].map((img) => img.currentSrc || img.src).filter(Boolean);
    navigator.serviceWorker.controller?.postMessage({ type: 'cache-urls', urls });
  });
  navigator.serviceWorker.register('/sw.js').catch(() => undefined);
}

async function main(): Promise<void> {
  const shareToken = shareTokenIn(location.hash);
  // What the server sent along is for whoever loaded the page: not for a share link opened now.
  const boot = shareToken ? {} : readBoot();
  if (shareToken) {
    await openShareLink(byId('timeline'), shareToken);
    // The cookie now stands for the link; keep the token out of the address bar and history.
    history.replaceState(null, '', location.pathname + location.search);
  } else {
    if (boot.pageUrl && boot.page) seed(boot.pageUrl, boot.page);
    const view = parseView(location.search);
    prefetch(api.pageUrl(view, null, FIRST_PAGE));
  }
  // The thumbnail format goes into every thumbnail URL: known before the first tile is built.
  const [session] = await Promise.all([readSession(boot.session), detectThumbFormat(boot.thumbFormat)]);
  if (needsLogin(session)) {
    showLogin(byId('timeline'), () => location.reload());
    return;
  }
  if (location.pathname === '/shares') {
    await showShareLinks(byId('timeline'));
    return;
  }
  const can = capabilitiesOf(session);
  // With session and first page already in the page, everything so far ran in the task that
  // evaluated the script: building the app gets tasks of its own, so neither blocks a tap long.
  await nextTask();
  const app = await startApp(can);
  registerServiceWorker(app);
  if (session?.uploads) void offerUploads(app, session.share === null);
}

/**
 * Members, admins and drop-link guests get the upload button, when this server takes uploads.
 * The uploader (with its resumable-upload client, the bulk of the code) is a chunk of its
 * own, fetched only then: the first screen neither downloads nor compiles it.
 */
async function offerUploads(app: AppController, resumable: boolean): Promise<void> {
  const { UploadPanel } = await import('./ui/upload-panel.js');
  const uploads = new UploadPanel(byId('topbar'), document.body, resumable);
  uploads.on('uploaded', ({ item }) => app.applyItem(item));
}

void main();
