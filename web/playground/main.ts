/** Playground page: wires the controls to the Engine and redraws on every change. */
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendName } from '../../src/backend/index.js';
import { loadAnyGeneratorFromBytes } from '../../src/sampling/generate.js';
import { Engine, type RenderParams } from './engine.js';

const $ = <T extends HTMLElement = HTMLInputElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('image');
const status = $<HTMLSpanElement>('status');
const latency = $<HTMLSpanElement>('latency');

function setStatus(state: 'loading' | 'ready' | 'error', text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

const MAX_SEED = 0xffffffff;
const randomSeed = () => Math.floor(Math.random() * 100000);

function readSeed(id: string): number {
  const v = Math.trunc(Number($(id).value));
  return Number.isFinite(v) ? Math.min(MAX_SEED, Math.max(0, v)) : 0;
}

function readCutoff(): number | undefined {
  const v = $('cutoff').value.trim();
  const n = Math.trunc(Number(v));
  return v === '' || !Number.isFinite(n) ? undefined : Math.max(0, n);
}

let engine: Engine;
let noiseSeed = 0;
let mix: boolean[] = [];
let rendering = false;
let dirty = false;
let renders = 0;

function params(): RenderParams {
  return {
    seedA: readSeed('seedA'), seedB: readSeed('seedB'),
    psi: Number($('psi').value), cutoff: readCutoff(), cls: readSeed('cls'), t: Number($('interp').value),
    mix, noiseStrength: Number($('noise').value), noiseSeed,
    translate: [Number($('tx').value), Number($('ty').value)], rotate: Number($('rot').value),
  };
}

function showValues(): void {
  $<HTMLOutputElement>('psiOut').value = Number($('psi').value).toFixed(2);
  $<HTMLOutputElement>('interpOut').value = Number($('interp').value).toFixed(2);
  $<HTMLOutputElement>('noiseOut').value = Number($('noise').value).toFixed(2);
  $<HTMLOutputElement>('txOut').value = Number($('tx').value).toFixed(3);
  $<HTMLOutputElement>('tyOut').value = Number($('ty').value).toFixed(3);
  $<HTMLOutputElement>('rotOut').value = $('rot').value;
  $('noiseSeedOut').textContent = noiseSeed === 0 ? 'stored maps' : `re-rolled #${noiseSeed}`;
  for (const g of ['coarse', 'middle', 'fine'] as const) {
    const idx = engine.layers.filter((l) => l.group === g).map((l) => l.index);
    const box = document.querySelector<HTMLInputElement>(`input[data-group=${g}]`)!;
    box.disabled = idx.length === 0;
    const on = idx.filter((i) => mix[i]).length;
    box.checked = idx.length > 0 && on === idx.length;
    box.indeterminate = on > 0 && on < idx.length;
  }
  document.querySelectorAll<HTMLInputElement>('#layers input').forEach((b, i) => { b.checked = mix[i]; });
}

/** Inputs mirrored in the address (?seed=3&psi=0.7...), so a view can be shared or bookmarked. */
const URL_INPUTS: Record<string, string> = { seed: 'seedA', b: 'seedB', psi: 'psi', cutoff: 'cutoff', class: 'cls', t: 'interp', noise: 'noise', tx: 'tx', ty: 'ty', rotate: 'rot', grid: 'gridSeed' };

function applyUrlState(): void {
  const q = new URLSearchParams(location.search);
  for (const [key, id] of Object.entries(URL_INPUTS)) {
    const v = q.get(key);
    if (v !== null && v.trim() !== '' && Number.isFinite(Number(v))) $(id).value = v;
  }
}

function saveUrlState(): void {
  const q = new URLSearchParams(location.search);
  for (const [key, id] of Object.entries(URL_INPUTS)) {
    const el = $(id);
    if (el.value === el.defaultValue) q.delete(key);
    else q.set(key, el.value);
  }
  const search = q.toString();
  history.replaceState(null, '', search ? `?${search}` : location.pathname);
}

/** Coalesces bursts of slider events: at most one render in flight, the latest state wins. */
async function requestRender(): Promise<void> {
  showValues();
  saveUrlState();
  if (rendering) {
    dirty = true;
    return;
  }
  rendering = true;
  canvas.dataset.busy = '1';
  try {
    do {
      dirty = false;
      const t0 = performance.now();
      const img = await engine.render(params());
      canvas.getContext('2d')!.putImageData(img, 0, 0);
      const ms = performance.now() - t0;
      renders++;
      canvas.dataset.renders = String(renders);
      latency.textContent = `${ms.toFixed(1)} ms on ${tf.getBackend()}`;
      latency.dataset.ms = ms.toFixed(2);
      // Lets tests see that redraws free their tensors (a live slider would otherwise leak GPU memory).
      canvas.dataset.tensors = String(tf.memory().numTensors);
    } while (dirty);
  } catch (e) {
    setStatus('error', `Error: ${(e as Error).message}`);
    throw e;
  } finally {
    rendering = false;
    canvas.dataset.busy = '0';
  }
}

/** The sample grid: GRID x GRID consecutive seeds from #gridSeed (empty: no grid). */
const GRID = 4;
let gridBusy = false;
let gridDirty = false;

async function requestGrid(): Promise<void> {
  saveUrlState();
  if ($('gridSeed').value.trim() === '') {
    $('grid').hidden = true;
    $('gridSeeds').textContent = '';
    return;
  }
  if (gridBusy) {
    gridDirty = true;
    return;
  }
  gridBusy = true;
  const grid = $<HTMLCanvasElement>('grid');
  grid.dataset.busy = '1';
  try {
    do {
      gridDirty = false;
      const first = Math.min(readSeed('gridSeed'), MAX_SEED - GRID * GRID + 1);
      const seeds = Array.from({ length: GRID * GRID }, (_, i) => first + i);
      const p = params();
      const img = await engine.renderGrid(seeds, p, GRID);
      grid.width = img.width;
      grid.height = img.height;
      grid.getContext('2d')!.putImageData(img, 0, 0);
      grid.hidden = false;
      grid.dataset.renders = String(Number(grid.dataset.renders) + 1);
      grid.dataset.tensors = String(tf.memory().numTensors);
      $('gridSeeds').textContent = `seeds ${first}-${first + seeds.length - 1}, row by row` +
        (engine.G.hasWSpace === false ? '' : `, ψ ${p.psi.toFixed(2)}`);
    } while (gridDirty);
  } catch (e) {
    setStatus('error', `Error: ${(e as Error).message}`);
    throw e;
  } finally {
    gridBusy = false;
    grid.dataset.busy = '0';
  }
}

function buildLayerToggles(): void {
  const box = $<HTMLDivElement>('layers');
  box.replaceChildren(...engine.layers.map((l) => {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.dataset.layer = String(l.index);
    input.addEventListener('change', () => { mix[l.index] = input.checked; void requestRender(); });
    label.append(input, ` ${l.index}: ${l.res}²`);
    label.title = `style ${l.index} (${l.group}, ${l.res}x${l.res})`;
    return label;
  }));
}

const nextFrame = () => new Promise((r) => requestAnimationFrame(r));
let playing = false;

/** Sweeps the interpolation A -> B -> A, one step per finished redraw, until stopped. */
async function play(): Promise<void> {
  const slider = $('interp');
  let dir = Number(slider.value) >= 1 ? -1 : 1;
  while (playing) {
    let t = Number(slider.value) + dir * 0.02;
    if (t >= 1 || t <= 0) {
      t = Math.min(1, Math.max(0, t));
      dir = -dir;
    }
    slider.value = t.toFixed(2);
    await requestRender();
    while (rendering) await nextFrame();
    await nextFrame();
  }
}

function wireControls(): void {
  $('play').addEventListener('click', () => {
    playing = !playing;
    $('play').textContent = playing ? 'Stop' : 'Play';
    // A failed redraw has already said so in the status line; stop sweeping.
    if (playing) play().catch(() => { playing = false; $('play').textContent = 'Play'; });
  });
  for (const id of ['seedA', 'seedB', 'psi', 'cutoff', 'cls', 'interp', 'noise', 'tx', 'ty', 'rot']) $(id).addEventListener('input', () => void requestRender());
  $('randomA').addEventListener('click', () => { $('seedA').value = String(randomSeed()); void requestRender(); });
  $('randomB').addEventListener('click', () => { $('seedB').value = String(randomSeed()); void requestRender(); });
  $('gridSeed').addEventListener('input', () => void requestGrid());
  $('gridRandom').addEventListener('click', () => { $('gridSeed').value = String(randomSeed()); void requestGrid(); });
  $('reroll').addEventListener('click', () => { noiseSeed = 1 + Math.floor(Math.random() * 1e6); void requestRender(); });
  $('noiseReset').addEventListener('click', () => { noiseSeed = 0; void requestRender(); });
  document.querySelectorAll<HTMLInputElement>('input[data-group]').forEach((box) => box.addEventListener('change', () => {
    for (const l of engine.layers) if (l.group === box.dataset.group) mix[l.index] = box.checked;
    void requestRender();
  }));
  $('download').addEventListener('click', () => {
    const p = params();
    canvas.toBlob((blob) => {
      if (!blob) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `seed${String(p.seedA).padStart(4, '0')}-psi${p.psi.toFixed(2)}.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }, 'image/png');
  });
}

async function start(): Promise<void> {
  // ?backend=wasm|webgl|webgpu forces one; otherwise the fastest this browser has.
  const forced = new URLSearchParams(location.search).get('backend') as BackendName | null;
  const backend = await initBackend(['webgpu', 'webgl', 'wasm'], {
    backend: forced ?? undefined, wasmPath: new URL('/wasm/', location.href).href,
  });
  setStatus('loading', `Loading network (${backend})…`);
  const info = (await (await fetch('/api/network')).json()) as { name: string; url: string; classNames?: string[] };
  const res = await fetch(info.url);
  if (!res.ok) throw new Error(`network download failed: HTTP ${res.status}`);
  const G = loadAnyGeneratorFromBytes(new Uint8Array(await res.arrayBuffer()), info.name);
  engine = new Engine(G);
  $('transformBox').hidden = !engine.transformable;
  if (G.cfg.cDim > 0) {
    $('classRow').hidden = false;
    $('cls').setAttribute('max', String(G.cfg.cDim - 1));
    if (info.classNames) {
      // A searchable picker: the list offers "N: name"; the number field stays the value.
      const list = $('classNames');
      info.classNames.forEach((n, i) => { const o = document.createElement('option'); o.value = String(i); o.label = `${i}: ${n}`; list.append(o); });
      $('cls').setAttribute('list', 'classNames');
      const show = () => { $('className').textContent = info.classNames![Number($('cls').value)] ?? ''; };
      $('cls').addEventListener('input', show);
      show();
    }
  }
  mix = engine.layers.map(() => false);
  canvas.width = canvas.height = engine.resolution;
  $('cutoff').setAttribute('max', String(engine.layers.length));
  // Small images are shown enlarged with crisp pixels; large ones are smoothed when scaled down.
  canvas.style.imageRendering = engine.resolution < 384 ? 'pixelated' : 'auto';
  $('network').textContent = `${info.name} · ${G.cfg.arch} · ${engine.resolution}×${engine.resolution} · ${engine.store.numParams().toLocaleString()} parameters`;
  buildLayerToggles();
  if (G.hasWSpace === false) {
    // A baseline (GAN, DCGAN, VAE, ...): z goes straight into G, so only seeds and z interpolation apply.
    for (const id of ['psi', 'cutoff', 'mixCoarse', 'mixMiddle', 'mixFine']) $(id).disabled = true;
    document.querySelectorAll<HTMLInputElement>('#layers input').forEach((b) => { b.disabled = true; });
    $('network').textContent += ' · no W space: truncation and style mixing are off';
  }
  applyUrlState();
  wireControls();
  await requestRender();
  await requestGrid();
  $<HTMLButtonElement>('download').disabled = false;
  setStatus('ready', `Ready · ${backend}`);
}

start().catch((e) => setStatus('error', `Error: ${(e as Error).message}`));
