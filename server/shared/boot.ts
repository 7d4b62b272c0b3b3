import type { MediaPage, SessionInfo } from './api-types.js';

/**
 * What the app shell carries for the first screen, so a phone starts drawing without
 * waiting for three round trips (session, first page, format probe) after the script has
 * loaded. Read by the web app from `<script type="application/json" id="spis-boot">`; every
 * part is optional (the app asks the API for whatever is missing).
 */
export interface BootData {
  /** What `GET /api/session` would answer. */
  session?: SessionInfo;
  /** The URL of the first page it holds (the app uses it only for a request to that very URL). */
  pageUrl?: string;
  /** What `GET pageUrl` would answer. */
  page?: MediaPage;
  /** The thumbnail format this browser announced it decodes (`&f=` of every thumbnail URL). */
  thumbFormat?: 'avif' | 'webp';
}

export const BOOT_ELEMENT_ID = 'spis-boot';
/** Items in the first page the app loads (and the shell may carry). */
export const FIRST_PAGE_LIMIT = 120;
