/** The web app manifest: what makes spis installable as a standalone app. */
export function webManifest(): Record<string, unknown> {
  return {
    name: 'spis — photos',
    short_name: 'spis',
    description: 'Your family photos and videos',
    id: '/',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    orientation: 'any',
    background_color: '#111316',
    theme_color: '#111316',
    // "Share → spis" on Android: the service worker uploads the files (web/sw/share-target.ts).
    share_target: {
      action: '/share-target',
      method: 'POST',
      enctype: 'multipart/form-data',
      params: { files: [{ name: 'media', accept: ['image/*', 'video/*'] }] },
    },
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
    // Long-press menu of the installed app: straight to a filtered timeline.
    shortcuts: [
      { name: 'Favourites', short_name: 'Favourites', url: '/?favorite=true', icons: [{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }] },
      { name: 'Videos', short_name: 'Videos', url: '/?type=video', icons: [{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }] },
      { name: 'Oldest first', short_name: 'Oldest', url: '/?order=asc', icons: [{ src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' }] },
    ],
  };
}
