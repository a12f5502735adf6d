/** `stylegan dashboard`: a live page following a training run folder (also `train --dashboard`). */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, parseNumber, UsageError } from './args.js';
import { ensureWebBuild } from '../web/build.js';
import { exitWithParent, sendFileUnder, sendJson, startServer, untilSignal } from '../web/http.js';
import { isRunImage, readRunState } from '../web/run-folder.js';

export const DASHBOARD_HELP = `Usage: stylegan dashboard --run DIR [options]

Opens a local page that follows a training run folder live (or shows a finished one): loss,
regularisation and metric curves, img/s, kimg and ETA, the fakes grids over time, the reals,
the config and the log. Served from this machine; it works offline.

  --run DIR              the run's --outdir (stats.jsonl, fakes-*.png, ...)
  --port N               port to listen on (default 8081; 0 = any free port)
  --host ADDR            address to listen on (default 127.0.0.1)

Example:
  stylegan dashboard --run runs/emoji
  stylegan train --outdir runs/emoji --dashboard      (the same page while training)`;

export const DEFAULT_DASHBOARD_PORT = 8081;

export async function dashboardCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(argv, {
    run: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'dashboard');
  if (v.help) return void console.log(DASHBOARD_HELP);
  // Started by `train --dashboard`: go when the trainer goes, even while the pages are still
  // being built. Ctrl-C reaches the whole process group, but the page should stay up while the
  // trainer writes its last snapshot, so only the trainer's exit ends it then.
  exitWithParent();
  if (process.send) process.on('SIGINT', () => {});
  if (!v.run) throw new UsageError('dashboard: --run is required (see stylegan dashboard --help)');
  if (!fs.existsSync(v.run) || !fs.statSync(v.run).isDirectory()) throw new Error(`run folder not found: ${v.run}`);
  const port = parseNumber(v.port, 'port', { int: true, min: 0, max: 65535, def: DEFAULT_DASHBOARD_PORT });
  const dir = path.resolve(v.run);
  const dist = await ensureWebBuild({ log: (l) => console.error(l) });
  const srv = await startServer({
    dist, page: 'dashboard', port, host: v.host ?? '127.0.0.1',
    routes: [(_req, res, url) => {
      if (url.pathname === '/api/run') {
        const since = Number(url.searchParams.get('since') ?? 0);
        sendJson(res, readRunState(dir, Number.isInteger(since) && since >= 0 ? since : 0));
        return true;
      }
      if (url.pathname.startsWith('/run/')) {
        const file = decodeURIComponent(url.pathname.slice(5));
        // Images are addressed with ?v=mtime, so a given URL never changes.
        if (isRunImage(file) && sendFileUnder(res, dir, file, 'public, max-age=86400')) return true;
        res.writeHead(404).end();
        return true;
      }
      return false;
    }],
  });
  console.log(`Dashboard for ${v.run}: ${srv.url}  (Ctrl-C to stop)`);
  if (process.send) await new Promise<never>(() => {}); // ends with the trainer (exitWithParent)
  await untilSignal();
  await srv.close();
}

/**
 * `train --dashboard`: the dashboard in a child process, because training keeps the trainer's
 * event loop busy between ticks and an in-process server would stall. It ends with the trainer.
 */
export function spawnDashboard(runDir: string, port = DEFAULT_DASHBOARD_PORT): ChildProcess {
  fs.mkdirSync(runDir, { recursive: true });
  // This CLI as it runs now: dist/cli/run.js, or src/cli/run.ts under tsx (execArgv carries --import tsx).
  const entry = fileURLToPath(new URL(`./run${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !/^--(test|inspect)/.test(a)), entry, 'dashboard', '--run', runDir, '--port', String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Neither the process nor its IPC channel may keep the trainer alive after training.
  child.unref();
  child.channel?.unref();
  child.on('error', (e) => process.stderr.write(`stylegan: dashboard did not start: ${e.message}\n`));
  return child;
}
