/** `stylegan serve`: the browser playground for a network, run entirely in the browser by tfjs. */
import fs from 'node:fs';
import path from 'node:path';
import { networkClassNames, parseClassNames } from '../sampling/class-names.js';
import { parseFlags, parseNumber, UsageError } from './args.js';
import { readNetworkFile } from './network.js';
import { encodeSnapshot } from '../io/snapshot.js';
import { ensureWebBuild } from '../web/build.js';
import { exitWithParent, sendBytes, sendJson, startServer, untilSignal } from '../web/http.js';

export const SERVE_HELP = `Usage: stylegan serve --network FILE [options]

Opens a local playground page that runs the generator in your browser (WebGPU, else WebGL,
else WebAssembly): seeds, truncation, style mixing, noise, interpolation, a random sample
grid, PNG download. Everything is served from this machine; it works offline.

  --network FILE         a .safetensors checkpoint (ours) or an official .pkl (StyleGAN, StyleGAN2-ADA)
  --port N               port to listen on (default 8080; 0 = any free port)
  --host ADDR            address to listen on (default 127.0.0.1; 0.0.0.0 to share on the network)
  --labels FILE          class names for a conditional network's class picker (default: the names a
                         network trained here with --cond keeps): one per line, or
                         StyleGAN-XL's media/imagenet_idx2labels.txt

Example:
  stylegan serve --network runs/emoji/network-snapshot-000040.safetensors`;

export async function serveCommand(argv: string[]): Promise<void> {
  const { values: v } = parseFlags(argv, {
    network: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, labels: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 'serve');
  if (v.help) return void console.log(SERVE_HELP);
  if (!v.network) throw new UsageError('serve: --network is required (see stylegan serve --help)');
  exitWithParent();
  const port = parseNumber(v.port, 'port', { int: true, min: 0, max: 65535, def: 8080 });
  // The browser needs G_ema only: strip G, D and optimiser state (most of a training snapshot),
  // and official pickles become our format here so the page reads one thing.
  const snap = readNetworkFile(v.network);
  let classNames: string[] | undefined;
  if (v.labels !== undefined) {
    if (!fs.existsSync(v.labels)) throw new UsageError(`--labels: file not found: ${v.labels}`);
    if (!snap.config.cDim) throw new UsageError(`--labels: ${v.network} is not a conditional network`);
    classNames = parseClassNames(fs.readFileSync(v.labels, 'utf8'), v.labels, snap.config.cDim);
  }
  // A network trained here with --cond keeps its classes' names (sub-folders or dataset.json's class_names).
  classNames ??= networkClassNames(snap.config);
  const bytes = encodeSnapshot({ config: snap.config, modules: { G_ema: snap.modules.G_ema } });
  const name = path.basename(v.network);
  const dist = await ensureWebBuild({ log: (l) => console.error(l) });
  const srv = await startServer({
    dist, page: 'playground', port, host: v.host ?? '127.0.0.1',
    routes: [(_req, res, url) => {
      if (url.pathname === '/api/network') return sendJson(res, { name, url: '/network.safetensors', bytes: bytes.length, config: snap.config, classNames }), true;
      if (url.pathname === '/network.safetensors') return sendBytes(res, bytes, 'application/octet-stream'), true;
      return false;
    }],
  });
  console.log(`Playground for ${name}: ${srv.url}  (Ctrl-C to stop)`);
  await untilSignal();
  await srv.close();
}
