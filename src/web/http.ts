/**
 * A small static + JSON HTTP server for the local web pages (Node's http only: nothing to
 * install, nothing fetched). Serves one built page at `/`, its assets, and the caller's routes.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { PageName } from './build.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon', '.safetensors': 'application/octet-stream', '.txt': 'text/plain; charset=utf-8',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A route answers (true) or passes (false). */
export type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean | Promise<boolean>;

export function sendJson(res: http.ServerResponse, value: unknown, status = 200): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendBytes(res: http.ServerResponse, bytes: Uint8Array, type: string, cache = 'no-cache'): void {
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': bytes.length, 'Cache-Control': cache });
  res.end(bytes);
}

/** Sends a file under `root` (no path escapes); false when there is none. */
export function sendFileUnder(res: http.ServerResponse, root: string, rel: string, cache = 'no-cache'): boolean {
  const file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (!file.startsWith(path.resolve(root) + path.sep)) return false;
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return false;
  }
  sendBytes(res, data, contentType(file), cache);
  return true;
}

export interface ServerOptions {
  /** The web build (ensureWebBuild). */
  dist: string;
  page: PageName;
  port: number;
  host: string;
  routes: Route[];
}

export interface RunningServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/** Every file of a build, by URL path: a few MB, and a later rebuild may replace the folder. */
function loadDist(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set('/' + path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const dist = loadDist(o.dist);
  const sendDist = (res: http.ServerResponse, p: string, cache = 'no-cache') => {
    const data = dist.get(p);
    if (data) sendBytes(res, data, contentType(p), cache);
    return data !== undefined;
  };
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      for (const route of o.routes) if (await route(req, res, url)) return;
      const p = decodeURIComponent(url.pathname);
      if (p === '/' || p === '/index.html') {
        if (sendDist(res, `/${o.page}/index.html`)) return;
      } else if (p.startsWith('/assets/')) {
        // File names carry a content hash, so they never change.
        if (sendDist(res, p, 'public, max-age=31536000, immutable')) return;
      } else if (p !== '/inputs.json' && sendDist(res, p)) return;
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`error: ${(e as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${o.port} is in use: pick another with --port (0 = any free port)`) : e);
    });
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = o.host === '0.0.0.0' || o.host === '::' ? 'localhost' : o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    server,
    url: `http://${host}:${addr.port}/`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/**
 * When started by another Node process with an IPC channel (train --dashboard, the tests), end
 * with it: a server nobody can stop would otherwise outlive its parent.
 */
export function exitWithParent(): void {
  if (!process.send) return;
  if (!process.connected) process.exit(0);
  process.once('disconnect', () => process.exit(0));
  // The channel itself must not keep this process alive once its server has closed.
  process.channel?.unref();
}

/** Resolves on the first Ctrl-C / SIGTERM, so a command can run its server until then. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
