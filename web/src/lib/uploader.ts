import { Upload } from 'tus-js-client';
import type { ApiError, UploadResult } from '../../../server/shared/api-types.js';
import { csrfHeaders } from './session.js';

export const TUS_ENDPOINT = '/api/uploads/tus';
/** Chunks stay well under the server's per-request time limit on a slow phone link. */
const CHUNK_BYTES = 8 * 1024 * 1024;

export interface UploadHandle {
  /** Resolves with the indexed item, or rejects with a message meant for people. */
  done: Promise<UploadResult>;
  abort(): void;
}

/**
 * Sends one file with the tus protocol: resumable across dropped connections and, through
 * the fingerprint tus-js-client keeps in localStorage, across a page reload.
 */
export function uploadFile(
  file: File,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  let upload: Upload | null = null;
  const done = new Promise<UploadResult>((resolve, reject) => {
    upload = new Upload(file, {
      endpoint: TUS_ENDPOINT,
      chunkSize: CHUNK_BYTES,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      removeFingerprintOnSuccess: true,
      storeFingerprintForResuming: true,
      metadata: { filename: file.name, filetype: file.type },
      headers: csrfHeaders(),
      onProgress: (sent, total) => onProgress(sent, total),
      onSuccess: ({ lastResponse }) => {
        try {
          resolve(JSON.parse(lastResponse.getBody()) as UploadResult);
        } catch {
          reject(new Error('The server stored the file but its answer could not be read.'));
        }
      },
      onError: (error) => reject(new Error(messageOf(error))),
    });
    const current = upload;
    void current.findPreviousUploads().then((previous) => {
      if (previous[0]) current.resumeFromPreviousUpload(previous[0]);
      current.start();
    });
  });
  return { done, abort: () => void upload?.abort(true) };
}

/** The server's own message ("not a supported photo or video…") when it sent one. */
function messageOf(error: Error): string {
  const response = (
    error as Error & { originalResponse?: { getBody(): string; getStatus(): number } | null }
  ).originalResponse;
  if (response) {
    try {
      const body = JSON.parse(response.getBody()) as ApiError;
      if (body.error?.message) return body.error.message;
    } catch {
      // not JSON
    }
    return `The server answered ${response.getStatus()}.`;
  }
  return 'The connection was lost. Retry to continue where it stopped.';
}

/**
 * One plain POST with upload progress, for drop-link guests: their link's quota is checked
 * per request, so resumable uploads are not offered to them.
 */
export function postFile(
  file: File,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadResult>((resolve, reject) => {
    xhr.open('POST', `/api/uploads?name=${encodeURIComponent(file.name)}`);
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    xhr.onload = () => {
      let body: (UploadResult & ApiError) | null = null;
      try {
        body = JSON.parse(xhr.responseText) as UploadResult & ApiError;
      } catch {
        // not JSON: reported by status below
      }
      if (xhr.status >= 200 && xhr.status < 300 && body?.item) resolve(body);
      else reject(new Error(body?.error?.message ?? `The server answered ${xhr.status}.`));
    };
    xhr.onerror = () => reject(new Error('The connection was lost. Retry to send the file again.'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
