import { createRequire } from 'node:module';

/**
 * The IANA time zone at a GPS position, for photos that carry coordinates but no offset and
 * no GPS clock. @photostructure/tz-lookup: 92 KB installed, no dependencies, ~20–50 ms to
 * load with the first lookup and ~0.6 MiB of resident memory after it, ~10 µs per lookup
 * (measured on the 2-core build machine). Loaded on the first photo that needs it, so a
 * library whose files all carry their offset never pays for it.
 */
type Lookup = (lat: number, lon: number) => string;
let lookup: Lookup | null = null;

export function zoneAtPosition(lat: number, lon: number): string | null {
  // 0,0 ("null island") is what broken GPS writers put when they had no fix.
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || (lat === 0 && lon === 0)) return null;
  try {
    lookup ??= createRequire(import.meta.url)('@photostructure/tz-lookup') as Lookup;
    const zone = lookup(lat, lon);
    new Intl.DateTimeFormat('en-US', { timeZone: zone }); // throws for a name this runtime lacks
    return zone;
  } catch {
    return null;
  }
}
