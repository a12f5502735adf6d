/**
 * The name table between NVIDIA's StyleGAN3 generator tensors (training/networks_stylegan3.py
 * state_dict names such as `synthesis.L3_36_48.affine.weight`) and our `stylegan3` parameters:
 * the same module paths with camelCased leaves (`magnitude_ema` -> `magnitudeEma`,
 * `up_filter` -> `upFilter`, `w_avg` -> `wAvg`). Layouts as ./stylegan2-table.ts: fully
 * connected [out, in] -> [in, out], conv OIHW -> HWIO; the input's C x C mixing weight keeps
 * NVIDIA's [out, in]. D is StyleGAN2's, with StyleGAN2's table.
 */
import type { StyleGAN3Config } from '../networks/stylegan3/config.js';
import { type LayerSpec, layerFilters, synthesisSchedule } from '../networks/stylegan3/schedule.js';
import type { Mapping2 } from './stylegan2-table.js';

/** Every parameter and buffer of our StyleGAN3 G for `cfg`, with NVIDIA's name and layout. */
export function expandTable3(cfg: StyleGAN3Config): Mapping2[] {
  const out: Mapping2[] = [];
  const row = (ours: string, official: string, transform: Mapping2['transform'], shape: number[]) => out.push({ ours, official, transform, shape });
  const fc = (p: string, cin: number, cout: number) => { row(`${p}.weight`, `${p}.weight`, 'fc', [cin, cout]); row(`${p}.bias`, `${p}.bias`, 'copy', [cout]); };
  out.push(...synthesisTable(synthesisSchedule(cfg), cfg.wDim));
  const m = cfg.mapping;
  if (cfg.cDim > 0) fc('mapping.embed', cfg.cDim, cfg.wDim);
  for (let i = 0; i < m.numLayers; i++) fc(`mapping.fc${i}`, i === 0 ? cfg.zDim + (cfg.cDim > 0 ? cfg.wDim : 0) : cfg.wDim, cfg.wDim);
  row('mapping.wAvg', 'mapping.w_avg', 'copy', [cfg.wDim]);
  return out;
}

/** The synthesis rows (input and layers) shared by StyleGAN3 and StyleGAN-XL: the same module paths in both. */
export function synthesisTable({ input, layers }: { input: { channels: number }; layers: LayerSpec[] }, wDim: number): Mapping2[] {
  const out: Mapping2[] = [];
  const row = (ours: string, official: string, transform: Mapping2['transform'], shape: number[]) => out.push({ ours, official, transform, shape });
  const fc = (p: string, cin: number, cout: number) => { row(`${p}.weight`, `${p}.weight`, 'fc', [cin, cout]); row(`${p}.bias`, `${p}.bias`, 'copy', [cout]); };
  const c = input.channels;
  row('synthesis.input.weight', 'synthesis.input.weight', 'copy', [c, c]);
  row('synthesis.input.transform', 'synthesis.input.transform', 'copy', [3, 3]);
  row('synthesis.input.freqs', 'synthesis.input.freqs', 'copy', [c, 2]);
  row('synthesis.input.phases', 'synthesis.input.phases', 'copy', [c]);
  fc('synthesis.input.affine', wDim, 4);
  for (const l of layers) {
    const p = `synthesis.${l.name}`;
    row(`${p}.weight`, `${p}.weight`, 'oihw', [l.convKernel, l.convKernel, l.inChannels, l.outChannels]);
    row(`${p}.bias`, `${p}.bias`, 'copy', [l.outChannels]);
    row(`${p}.magnitudeEma`, `${p}.magnitude_ema`, 'copy', []);
    const f = layerFilters(l);
    if (f.up) row(`${p}.upFilter`, `${p}.up_filter`, 'copy', f.up.radial ? [f.up.size, f.up.size] : [f.up.size]);
    if (f.down) row(`${p}.downFilter`, `${p}.down_filter`, 'copy', f.down.radial ? [f.down.size, f.down.size] : [f.down.size]);
    fc(`${p}.affine`, wDim, l.inChannels);
  }
  return out;
}
