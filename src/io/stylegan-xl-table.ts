/**
 * The name table between StyleGAN-XL's generator tensors (training/networks_stylegan3_resetting.py
 * state_dict names: `mapping.embed.weight`, `mapping.embed_proj.weight`, `synthesis.L5_36_64.up_filter`,
 * ...) and our `stylegan-xl` parameters: the same module paths with camelCased leaves. Layouts as
 * ./stylegan2-table.ts (fully connected [out, in] -> [in, out], conv OIHW -> HWIO); the embedding
 * table [num, dim] and the input's C x C mixing weight stay as stored.
 */
import type { StyleGANXLConfig } from '../networks/stylegan-xl/config.js';
import { synthesisTable } from './stylegan3-table.js';
import type { Mapping2 } from './stylegan2-table.js';

/** Every parameter and buffer of our StyleGAN-XL G for `cfg`, with the official name and layout. */
export function expandTableXL(cfg: StyleGANXLConfig): Mapping2[] {
  const out: Mapping2[] = [];
  const row = (ours: string, official: string, transform: Mapping2['transform'], shape: number[]) => out.push({ ours, official, transform, shape });
  const fc = (ours: string, official: string, cin: number, cout: number) => {
    row(`${ours}.weight`, `${official}.weight`, 'fc', [cin, cout]);
    row(`${ours}.bias`, `${official}.bias`, 'copy', [cout]);
  };
  out.push(...synthesisTable(cfg.synthesis, cfg.wDim));
  const m = cfg.mapping;
  row('mapping.embed.weight', 'mapping.embed.weight', 'copy', [m.embedNum, m.embedDim]);
  if (cfg.cDim > 0) fc('mapping.embedProj', 'mapping.embed_proj', m.embedDim, cfg.zDim);
  for (let i = 0; i < m.numLayers; i++) fc(`mapping.fc${i}`, `mapping.fc${i}`, i === 0 ? cfg.zDim * (cfg.cDim > 0 ? 2 : 1) : cfg.wDim, cfg.wDim);
  row('mapping.wAvg', 'mapping.w_avg', 'copy', cfg.cDim > 0 ? [cfg.cDim, cfg.wDim] : [cfg.wDim]);
  return out;
}
