import { BOOT_ELEMENT_ID, type BootData } from '../../../server/shared/boot.js';

/**
 * What the server put into the page for its first screen (see server/api/first-screen.ts):
 * read once; absent when the page came from the service worker or another route.
 */
export function readBoot(): BootData {
  const element = document.getElementById(BOOT_ELEMENT_ID);
  if (!element?.textContent) return {};
  element.remove(); // read once: the data is this load's, not for later code to trust
  try {
    return JSON.parse(element.textContent) as BootData;
  } catch {
    return {};
  }
}
