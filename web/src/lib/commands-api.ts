import type { ApiCommand, ApiCommandResult, ApiError } from '../../../server/shared/api-types.js';
import { csrfHeaders } from './session.js';

/** The custom-command calls: which commands this user may run, and running one. */
export const commandsApi = {
  async list(): Promise<ApiCommand[]> {
    const response = await fetch('/api/commands', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!response.ok) return []; // no commands for this visitor (a share link, an old server)
    return ((await response.json()) as { commands: ApiCommand[] }).commands;
  },

  async run(name: string, ids: string[]): Promise<ApiCommandResult> {
    let response: Response;
    try {
      response = await fetch(`/api/commands/${encodeURIComponent(name)}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { accept: 'application/json', 'content-type': 'application/json', ...csrfHeaders() },
        body: JSON.stringify({ ids }),
      });
    } catch {
      throw new Error('The server cannot be reached. Check your connection.');
    }
    const body = (await response.json().catch(() => null)) as ApiCommandResult | ApiError | null;
    if (!response.ok || !body || !('ok' in body)) {
      throw new Error((body as ApiError | null)?.error?.message ?? `The server answered ${response.status}.`);
    }
    return body as ApiCommandResult;
  },
};
