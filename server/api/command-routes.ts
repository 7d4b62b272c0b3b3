import type Router from '@koa/router';
import { createRouter } from './router.js';
import type { Context } from 'koa';
import { readJsonBody } from '../auth/json-body.js';
import type { Principal } from '../auth/principal.js';
import type { Caller, CommandService } from '../commands/command-service.js';
import { AppError, invalidParameter } from './errors.js';

/**
 * `GET /api/commands` (what the caller may run, for the web app's buttons) and
 * `POST /api/commands/:name` with `{"ids":[…]}`. The access gate lets any signed-in user
 * through (and checks CSRF); each command's own roles decide here.
 */
export function commandRoutes(commands: CommandService): Router {
  const router = createRouter({ prefix: '/api' });

  router.get('/commands', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = { commands: commands.list(callerOf(ctx)) };
  });

  router.post('/commands/:name', async (ctx) => {
    const caller = callerOf(ctx);
    const body = await readJsonBody(ctx);
    const unknown = Object.keys(body).find((key) => key !== 'ids');
    if (unknown) throw invalidParameter(unknown, 'only "ids" in the body', 'an unknown field');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await commands.run(ctx.params.name ?? '', body.ids, caller);
  });
  return router;
}

function callerOf(ctx: Context): Caller {
  const principal = (ctx.state as { principal?: Principal }).principal;
  if (principal?.kind === 'user' || principal?.kind === 'token') return { name: principal.name, role: principal.role };
  // No users yet: the server only answers on loopback, to its owner.
  if (principal?.kind === 'open') return { name: '(local)', role: 'admin' };
  throw new AppError('forbidden', 'commands are for signed-in users');
}
