/// <reference lib="webworker" />

/** Where the manifest's `share_target` posts the shared files (see web/build/manifest.ts). */
export const SHARE_TARGET_PATH = '/share-target';
export const SHARE_TARGET_FIELD = 'media';

interface SessionAnswer {
  csrfToken: string | null;
}
interface UploadAnswer {
  files?: Array<{ item?: { id: string } }>;
  error?: { message: string };
}

/**
 * "Share → spis" from the phone's gallery: the browser POSTs the files here as a multipart
 * form; the worker sends them to `POST /api/uploads` with the session's CSRF token (which a
 * form post cannot carry) and opens the timeline on the first one. Failures land on the
 * timeline too, with the server's message.
 */
export async function handleShareTarget(request: Request): Promise<Response> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return Response.redirect('/?shared=error', 303);
  }
  const files = form
    .getAll(SHARE_TARGET_FIELD)
    .filter((value): value is File => typeof value !== 'string');
  if (files.length === 0) return Response.redirect('/?shared=none', 303);
  const session = await fetch('/api/session', {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  })
    .then((r) => (r.ok ? (r.json() as Promise<SessionAnswer>) : null))
    .catch(() => null);
  const upload = new FormData();
  for (const file of files) upload.append('file', file, file.name);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session?.csrfToken) headers['x-spis-csrf'] = session.csrfToken;
  try {
    const response = await fetch('/api/uploads', {
      method: 'POST',
      credentials: 'same-origin',
      headers,
      body: upload,
    });
    const answer = (await response.json().catch(() => ({}))) as UploadAnswer;
    const first = answer.files?.find((file) => file.item)?.item?.id;
    if (first)
      return Response.redirect(
        `/?item=${encodeURIComponent(first)}&shared=${answer.files?.length ?? 0}`,
        303,
      );
    return Response.redirect(
      `/?shared=error&reason=${encodeURIComponent(answer.error?.message ?? String(response.status))}`,
      303,
    );
  } catch {
    return Response.redirect('/?shared=offline', 303);
  }
}
