import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireProgram } from './system-programs.js';

const exec = promisify(execFile);

/** A port the OS had free on loopback a moment ago (nginx and Caddy cannot take port 0). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A self-signed certificate for `localhost` and 127.0.0.1, made with the openssl CLI. */
export async function selfSignedCertificate(
  dir: string,
): Promise<{ cert: string; key: string; pem: Buffer }> {
  const openssl = await requireProgram('openssl');
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await exec(openssl, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  return { cert, key, pem: await readFile(cert) };
}

export interface ProxyProcess {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`proxy exited with ${child.exitCode}: ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`proxy did not listen on ${port} within ${timeoutMs} ms: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function run(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; output: () => string } {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
}

/**
 * Runs nginx in the foreground with a generated site file, everything it writes (pid, logs,
 * temp bodies) inside `dir`. Workers may run as an unprivileged user: `dir` is opened to them.
 */
export async function startNginx(site: string, dir: string, port: number): Promise<ProxyProcess> {
  const bin = await requireProgram('nginx');
  const temp = path.join(dir, 'nginx');
  for (const sub of ['', 'body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    await mkdir(path.join(temp, sub), { recursive: true });
  await chmod(dir, 0o755);
  for (const sub of ['', 'body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    await chmod(path.join(temp, sub), 0o777);
  await writeFile(path.join(temp, 'site.conf'), site);
  await writeFile(
    path.join(temp, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${temp}/nginx.pid;`,
      `error_log ${temp}/error.log warn;`,
      'events { worker_connections 128; }',
      'http {',
      '    access_log off;',
      `    client_body_temp_path ${temp}/body;`,
      `    proxy_temp_path ${temp}/proxy;`,
      `    fastcgi_temp_path ${temp}/fastcgi;`,
      `    uwsgi_temp_path ${temp}/uwsgi;`,
      `    scgi_temp_path ${temp}/scgi;`,
      `    include ${temp}/site.conf;`,
      '}',
      '',
    ].join('\n'),
  );
  const { child, output } = run(bin, [
    '-p',
    temp,
    '-c',
    path.join(temp, 'nginx.conf'),
    '-e',
    path.join(temp, 'error.log'),
    '-g',
    'daemon off;',
  ]);
  try {
    await waitForPort(port, child, output);
  } catch (error) {
    const log = await readFile(path.join(temp, 'error.log'), 'utf8').catch(() => '');
    throw new Error(`${(error as Error).message}\n${log}`, { cause: error });
  }
  return { child, output, stop: stopper(child) };
}

/** Runs Caddy with a generated Caddyfile: no admin endpoint, its storage inside `dir`. */
export async function startCaddy(
  caddyfile: string,
  dir: string,
  port: number,
): Promise<ProxyProcess> {
  const bin = await requireProgram('caddy');
  const home = path.join(dir, 'caddy');
  await mkdir(home, { recursive: true });
  const file = path.join(home, 'Caddyfile');
  await writeFile(file, caddyfile);
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
  };
  const { child, output } = run(bin, ['run', '--config', file, '--adapter', 'caddyfile'], env);
  await waitForPort(port, child, output);
  return { child, output, stop: stopper(child) };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP(S) request from a chosen loopback source address, trusting only `ca` for TLS. */
export function httpsRequest(
  url: string,
  {
    ca,
    localAddress,
    method = 'GET',
    headers = {},
    body,
  }: {
    ca: Buffer;
    localAddress: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.request(
      url,
      { method, headers, ca, localAddress, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(15_000, () => request.destroy(new Error(`${method} ${url} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}
