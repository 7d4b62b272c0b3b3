import type Router from '@koa/router';
import { createRouter } from './router.js';
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
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
    if (ctx.query.stream === undefined) {
      ctx.body = await commands.run(ctx.params.name ?? '', body.ids, caller);
      return;
    }
    if (ctx.query.stream !== 'true') throw invalidParameter('stream', 'true', String(ctx.query.stream));
    ctx.body = await streamRun(commands, ctx.params.name ?? '', body.ids, caller);
    ctx.type = 'application/x-ndjson';
    ctx.compress = false; // each line must reach the client as it is written
  });
  return router;
}

/**
 * `?stream=true`: one JSON line per piece of output as the program writes it
 * (`{"type":"stdout"|"stderr","text"}`), then `{"type":"result",…the usual answer}`. Bad
 * requests are still plain 4xx answers: they are refused before the program starts.
 */
async function streamRun(commands: CommandService, name: string, ids: unknown, caller: Caller): Promise<PassThrough> {
  const lines = new PassThrough();
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const write = (line: object) => lines.write(`${JSON.stringify(line)}\n`);
  const { done } = await commands.start(name, ids, caller, (channel, chunk) => {
    const text = decoders[channel].write(chunk);
    if (text) write({ type: channel, text });
  });
  void done.then((outcome) => {
    lines.end(`${JSON.stringify({ type: 'result', ...outcome })}\n`);
  });
  return lines;
}

function callerOf(ctx: Context): Caller {
  const principal = (ctx.state as { principal?: Principal }).principal;
  if (principal?.kind === 'user' || principal?.kind === 'token') return { name: principal.name, role: principal.role };
  // No users yet: the server only answers on loopback, to its owner.
  if (principal?.kind === 'open') return { name: '(local)', role: 'admin' };
  throw new AppError('forbidden', 'commands are for signed-in users');
}
