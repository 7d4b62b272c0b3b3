/**
 * Thumbnail URLs name the format this browser decodes (`&f=avif|webp|jpeg`), so the page's
 * image requests and the service worker's copies of them are one and the same URL with one
 * answer: without it the server picks by `Accept` (and sends `Vary: Accept`), and the
 * worker's requests, whose `Accept` differs from the image loader's, missed the HTTP cache
 * and downloaded every thumbnail a second time.
 */
export type ThumbFormat = 'avif' | 'webp' | 'jpeg';

const STORAGE_KEY = 'spis.thumbFormat';
/** A 1×1 AVIF: it decodes only where AVIF is supported. */
const AVIF_PROBE =
  'data:image/avif;base64,AAAAHGZ0eXBhdmlmAAAAAG1pZjFhdmlmbWlhZgAAANZtZXRhAAAAAAAAACFoZGxyAAAAAAAAAABwaWN0AAAAAAAAAAAAAAAAAAAAACJpbG9jAAAAAERAAAEAAQAAAAAA+gABAAAAAAAAAB8AAAAjaWluZgAAAAAAAQAAABVpbmZlAgAAAAABAABhdjAxAAAAAA5waXRtAAAAAAABAAAAVmlwcnAAAAA4aXBjbwAAAAxhdjFDgSACAAAAABRpc3BlAAAAAAAAAAEAAAABAAAAEHBpeGkAAAAAAwgICAAAABZpcG1hAAAAAAAAAAEAAQOBAgMAAAAnbWRhdBIACgc4AAaQENBpMhIZQmMEw88880EgAJBAyRxhQr4=';

let format: ThumbFormat | null = null;

function readStored(): ThumbFormat | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'avif' || stored === 'webp' || stored === 'jpeg' ? stored : null;
  } catch {
    return null;
  }
}

/**
 * Finds the best format once per browser (remembered); later visits know it at once. `announced`
 * is what the browser told the server it decodes (see boot.ts): no probe is needed then.
 */
export async function detectThumbFormat(announced?: ThumbFormat): Promise<ThumbFormat> {
  if (format) return format;
  // Told by the server: no need to open local storage (its first read blocks on disk) yet.
  if (announced) return remember(announced, true);
  format = readStored();
  if (format) return format;
  const image = new Image();
  image.src = AVIF_PROBE;
  const avif = await image.decode().then(
    () => true,
    () => false,
  );
  const webp =
    !avif && document.createElement('canvas').toDataURL('image/webp').startsWith('data:image/webp');
  return remember(avif ? 'avif' : webp ? 'webp' : 'jpeg');
}

function remember(detected: ThumbFormat, later = false): ThumbFormat {
  format = detected;
  const store = () => {
    try {
      localStorage.setItem(STORAGE_KEY, detected);
    } catch {
      // private mode: detected again next time
    }
  };
  if (later) setTimeout(store, 2000);
  else store();
  return detected;
}

/** `url` with the detected format added (unchanged until detection ran). */
export function thumbUrl(url: string): string {
  return format ? `${url}${url.includes('?') ? '&' : '?'}f=${format}` : url;
}
