/**
 * Importer for NVIDIA's original StyleGAN (2019) TensorFlow network pickles, e.g.
 * `karras2019stylegan-ffhq-1024x1024.pkl`: `pickle.dump((G, D, Gs))` of three
 * `dnnlib.tflib.network.Network` objects (reference: NVlabs/stylegan dnnlib/tflib/network.py
 * `__getstate__`, training/networks_stylegan.py for the build functions and their defaults).
 *
 * Read in pure TypeScript through the safe unpickler: the embedded `build_module_src` is kept
 * as text and never run. Network state: {version, name, static_kwargs, components,
 * build_module_src, build_func_name, variables: [(name, ndarray)]}.
 */
import { type GlobalHandler, PyObject, unpickle, isMap } from './pickle.js';
import { BUILTIN_HANDLERS, NUMPY_HANDLERS, type NdArray, isNdArray } from './pickle-numpy.js';
import { shownName } from './bytes.js';
import { type StyleGANConfig, defaultConfig, log2Int } from '../networks/stylegan/config.js';
import { type Mapping, type TensorMap, type TfNet, IGNORED_TF_VARIABLES, convert, expandTable } from './stylegan-tf-table.js';

export interface TfNetwork {
  name: string;
  buildFuncName: string;
  staticKwargs: Record<string, unknown>;
  /** Own variables in file order; the scalar `lod` becomes a 0-d array. */
  variables: Map<string, NdArray>;
  components: Record<string, TfNetwork>;
}

export interface StyleganTfNetworks { G: TfNetwork; D: TfNetwork; Gs: TfNetwork }

const easyDict: GlobalHandler = {
  newobj: () => new Map(),
  build(_obj, state) { if (state !== null && !(isMap(state) && state.size === 0)) throw new Error('unexpected EasyDict state'); },
};

/** The allow-list for these files: numpy, a few builtins, and dnnlib's Network / EasyDict records. */
export const STYLEGAN_TF_HANDLERS: Readonly<Record<string, GlobalHandler>> = {
  ...NUMPY_HANDLERS,
  ...BUILTIN_HANDLERS,
  'dnnlib.tflib.network.Network': {},
  'dnnlib.util.EasyDict': easyDict,
};

function toRecord(m: unknown, what: string, source: string): Record<string, unknown> {
  if (!isMap(m)) throw new Error(`${source}: ${what} is not a dict`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of m) {
    if (typeof k !== 'string') throw new Error(`${source}: ${what} has a non-string key`);
    out[k] = v;
  }
  return out;
}

function scalarArray(v: number | boolean): NdArray {
  return { dtype: 'float64', shape: [], data: Float64Array.of(Number(v)) };
}

export function readNetwork(obj: unknown, path: string, source: string): TfNetwork {
  const fail = (msg: string): never => { throw new Error(`${source}: ${path} ${msg}`); };
  if (!(obj instanceof PyObject) || obj.module !== 'dnnlib.tflib.network' || obj.name !== 'Network') {
    return fail('is not a dnnlib.tflib.network.Network (not an original StyleGAN TensorFlow pickle?)');
  }
  const s = toRecord(obj.state, `${path} state`, source);
  // 2-3: StyleGAN (2019); 4: NVlabs/stylegan2; 5: stylegan2-ada (adds input/output shapes, ignored here).
  if (s.version !== 2 && s.version !== 3 && s.version !== 4 && s.version !== 5) fail(`has unsupported Network state version ${String(s.version)}`);
  if (typeof s.name !== 'string' || typeof s.build_func_name !== 'string') fail('has no name / build_func_name');
  if (!Array.isArray(s.variables)) fail('has no variables list');
  const variables = new Map<string, NdArray>();
  for (const item of s.variables as unknown[]) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string') fail('has a malformed variable entry');
    const [name, value] = item as [string, unknown];
    if (variables.has(name)) fail(`has variable ${shownName(name)} twice`);
    if (isNdArray(value)) variables.set(name, value);
    else if (typeof value === 'number' || typeof value === 'boolean') variables.set(name, scalarArray(value));
    else fail(`variable ${shownName(name)} is not a numpy array`);
  }
  const components: Record<string, TfNetwork> = {};
  const comps = s.components === undefined ? {} : toRecord(s.components, `${path} components`, source);
  for (const [k, v] of Object.entries(comps)) components[k] = readNetwork(v, `${path}.components.${k}`, source);
  return {
    name: s.name as string,
    buildFuncName: (s.build_func_name as string).split('.').pop()!,
    staticKwargs: s.static_kwargs === undefined ? {} : toRecord(s.static_kwargs, `${path} static_kwargs`, source),
    variables, components,
  };
}

/** Unpickles and checks the `(G, D, Gs)` tuple; errors name `source`. */
export function readStyleganTfPickle(bytes: Uint8Array, source: string): StyleganTfNetworks {
  const top = unpickle(bytes, source, { handlers: STYLEGAN_TF_HANDLERS });
  if (!Array.isArray(top) || top.length !== 3) {
    throw new Error(`${source}: not an original StyleGAN TensorFlow pickle (expected the tuple (G, D, Gs), got ${describe(top)})`);
  }
  return { G: readNetwork(top[0], 'G', source), D: readNetwork(top[1], 'D', source), Gs: readNetwork(top[2], 'Gs', source) };
}

function describe(v: unknown): string {
  if (isMap(v)) return `a dict with keys ${[...v.keys()].slice(0, 6).map(String).join(', ')}`;
  if (Array.isArray(v)) return `a sequence of ${v.length}`;
  if (v instanceof PyObject) return `a ${v.module}.${v.name}`;
  return v === null ? 'None' : typeof v;
}

// ---------------------------------------------------------------------------------------------
// static_kwargs with NVIDIA's defaults (the signatures of G_style, G_mapping, G_synthesis, D_basic).

export const G_STYLE_DEFAULTS = { truncation_psi: 0.7, truncation_cutoff: 8, dlatent_avg_beta: 0.995, style_mixing_prob: 0.9 };
export const G_MAPPING_DEFAULTS = {
  latent_size: 512, label_size: 0, dlatent_size: 512, mapping_layers: 8, mapping_fmaps: 512, mapping_lrmul: 0.01,
  mapping_nonlinearity: 'lrelu', use_wscale: true, normalize_latents: true, dtype: 'float32',
};
export const G_SYNTHESIS_DEFAULTS = {
  dlatent_size: 512, num_channels: 3, resolution: 1024, fmap_base: 8192, fmap_decay: 1.0, fmap_max: 512,
  use_styles: true, const_input_layer: true, use_noise: true, randomize_noise: true, nonlinearity: 'lrelu',
  use_wscale: true, use_pixel_norm: false, use_instance_norm: true, dtype: 'float32', fused_scale: 'auto' as boolean | 'auto',
  blur_filter: [1, 2, 1] as number[] | null, structure: 'auto',
};
export const D_BASIC_DEFAULTS = {
  num_channels: 1, resolution: 32, label_size: 0, fmap_base: 8192, fmap_decay: 1.0, fmap_max: 512, nonlinearity: 'lrelu',
  use_wscale: true, mbstd_group_size: 4, mbstd_num_features: 1, dtype: 'float32', fused_scale: 'auto' as boolean | 'auto',
  blur_filter: [1, 2, 1] as number[] | null, structure: 'auto',
};

export interface StyleganTfKwargs {
  style: typeof G_STYLE_DEFAULTS;
  mapping: typeof G_MAPPING_DEFAULTS;
  synthesis: typeof G_SYNTHESIS_DEFAULTS;
  d: typeof D_BASIC_DEFAULTS;
}

/** Overlays `kw` on `defaults`, keeping only known keys and checking their types. */
export function withDefaults<T extends Record<string, unknown>>(defaults: T, kw: Record<string, unknown>, what: string): T {
  const out: Record<string, unknown> = { ...defaults };
  for (const k of Object.keys(defaults)) {
    if (!(k in kw)) continue;
    let v = kw[k];
    if (Array.isArray(v)) v = [...v];
    const d = defaults[k];
    const ok = v === null || typeof v === typeof d || (Array.isArray(d) && Array.isArray(v)) || (k === 'fused_scale' && typeof v === 'boolean')
      || (typeof d === 'boolean' && typeof v === 'number'); // use_noise may be an int (the noise channel count)
    if (!ok) throw new Error(`${what} static_kwargs.${k} = ${shownName(typeof v === 'bigint' ? String(v) : JSON.stringify(v) ?? String(v))} has the wrong type`);
    out[k] = v;
  }
  return out as T;
}

export function expectFunc(net: TfNetwork, name: string, source: string, path: string): void {
  if (net.buildFuncName !== name) {
    throw new Error(`${source}: ${path} was built by ${net.buildFuncName}, expected ${name} (only the original 2019 StyleGAN is supported)`);
  }
}

/** Resolves every network's static_kwargs against NVIDIA's defaults. */
export function resolveKwargs(nets: StyleganTfNetworks, source: string): StyleganTfKwargs {
  const { Gs, D } = nets;
  expectFunc(Gs, 'G_style', source, 'Gs');
  const mapping = Gs.components.mapping, synthesis = Gs.components.synthesis;
  if (!mapping || !synthesis) throw new Error(`${source}: Gs has no mapping / synthesis components`);
  expectFunc(mapping, 'G_mapping', source, 'Gs.mapping');
  expectFunc(synthesis, 'G_synthesis', source, 'Gs.synthesis');
  return {
    style: withDefaults(G_STYLE_DEFAULTS, Gs.staticKwargs, `${source}: Gs`),
    mapping: withDefaults(G_MAPPING_DEFAULTS, mapping.staticKwargs, `${source}: G_mapping`),
    synthesis: withDefaults(G_SYNTHESIS_DEFAULTS, synthesis.staticKwargs, `${source}: G_synthesis`),
    d: withDefaults(D_BASIC_DEFAULTS, D.staticKwargs, `${source}: D`),
  };
}

const isDefaultBlur = (f: number[] | null) => Array.isArray(f) && f.length === 3 && f[0] === 1 && f[1] === 2 && f[2] === 1;

/** Our config from NVIDIA's kwargs; options our arch cannot express are errors naming them. */
export function configFromKwargs(kw: StyleganTfKwargs, source: string, withD = false): StyleGANConfig {
  const { mapping: m, synthesis: s, d } = kw;
  const unsupported: string[] = [];
  const need = (ok: boolean, what: string) => { if (!ok) unsupported.push(what); };
  need(m.label_size === 0, `label_size=${m.label_size} (conditional networks)`);
  need(m.mapping_nonlinearity === 'lrelu' && s.nonlinearity === 'lrelu', 'nonlinearity other than lrelu');
  need(m.use_wscale && s.use_wscale, 'use_wscale=False');
  need(m.normalize_latents, 'normalize_latents=False');
  need(s.fmap_decay === 1, `fmap_decay=${s.fmap_decay}`);
  need(s.use_styles && s.const_input_layer && s.use_instance_norm && !s.use_pixel_norm,
    'use_styles / const_input_layer / use_instance_norm / use_pixel_norm other than the defaults');
  need(isDefaultBlur(s.blur_filter), `blur_filter=${JSON.stringify(s.blur_filter)}`);
  need(m.dlatent_size === s.dlatent_size, `mapping dlatent_size ${m.dlatent_size} != synthesis dlatent_size ${s.dlatent_size}`);
  if (withD) {
    need(d.label_size === 0, `D label_size=${d.label_size}`);
    need(d.nonlinearity === 'lrelu' && d.use_wscale && d.fmap_decay === 1 && isDefaultBlur(d.blur_filter), 'D options other than the defaults');
    need(d.mbstd_group_size > 1, `D mbstd_group_size=${d.mbstd_group_size}`);
    need(d.resolution === s.resolution && d.num_channels === s.num_channels && d.fmap_base === s.fmap_base && d.fmap_max === s.fmap_max,
      'D resolution / channels differ from G');
    need(d.fused_scale === s.fused_scale, 'D fused_scale differs from G');
  }
  if (unsupported.length) throw new Error(`${source}: unsupported StyleGAN options: ${unsupported.join('; ')}`);
  log2Int(s.resolution);
  return defaultConfig({
    zDim: m.latent_size, wDim: m.dlatent_size, mappingLayers: m.mapping_layers, mappingFmaps: m.mapping_fmaps,
    mappingLrMul: m.mapping_lrmul, imgResolution: s.resolution, imgChannels: s.num_channels,
    channelBase: 2 * s.fmap_base, channelMax: s.fmap_max, fusedScale: s.fused_scale, useNoise: Boolean(s.use_noise),
    mbstdGroupSize: d.mbstd_group_size, mbstdNumFeatures: d.mbstd_num_features, cDim: 0,
  });
}

// ---------------------------------------------------------------------------------------------

/** Maps one generator (G_style with its components) or D through the table; strict both ways. */
export function mapNetwork(nets: Partial<Record<TfNet, TfNetwork>>, cfg: StyleGANConfig, which: 'G' | 'D', label: string, source: string): TensorMap {
  const rows: Mapping[] = expandTable(cfg, which);
  const out: TensorMap = {};
  const used = new Map<TfNet, Set<string>>();
  const missing: string[] = [], errors: string[] = [];
  for (const m of rows) {
    const net = nets[m.net];
    const a = net?.variables.get(m.tf);
    if (!a) { missing.push(`${m.net}/${m.tf}`); continue; }
    if (!used.has(m.net)) used.set(m.net, new Set());
    used.get(m.net)!.add(m.tf);
    try { out[m.ours] = convert(m, a); } catch (e) { errors.push((e as Error).message); }
  }
  const unknown: string[] = [];
  for (const [k, net] of Object.entries(nets) as Array<[TfNet, TfNetwork | undefined]>) {
    for (const name of net?.variables.keys() ?? []) {
      if (!IGNORED_TF_VARIABLES.has(name) && !used.get(k)?.has(name)) unknown.push(`${k}/${name}`);
    }
  }
  const list = (xs: string[]) => xs.slice(0, 8).join(', ') + (xs.length > 8 ? ` (and ${xs.length - 8} more)` : '');
  const problems = [
    missing.length ? `missing TF variables ${list(missing)}` : '',
    unknown.length ? `unknown TF variables ${list(unknown)}` : '',
    errors.length ? list(errors) : '',
  ].filter(Boolean);
  if (problems.length) throw new Error(`${source}: ${label} does not match a StyleGAN with this config: ${problems.join('; ')}`);
  return out;
}

export interface ImportOptions {
  /** Also map the training generator G (default false). */
  withG?: boolean;
  /** Also map the discriminator D (default false). */
  withD?: boolean;
  /** Leave out a G or D that does not map completely instead of throwing (e.g. a partial D); reasons go to `skipped`. */
  lenient?: boolean;
}

export interface StyleganTfImport {
  config: StyleGANConfig;
  /** NVIDIA's kwargs with defaults filled in: truncation_psi / cutoff defaults live in `style`. */
  kwargs: StyleganTfKwargs;
  /** Gs's progressive-growing level of detail; 0 for a fully grown network. */
  lod: number;
  /** The moving-average generator Gs, under our parameter names. */
  G_ema: TensorMap;
  G?: TensorMap;
  D?: TensorMap;
  /** With `lenient`: one line per requested network left out, saying why. */
  skipped: string[];
}

function lodOf(net: TfNetwork | undefined): number {
  const v = net?.variables.get('lod');
  return v && v.data.length === 1 ? Number(v.data[0]) : 0;
}

/** Reads an original StyleGAN `.pkl` (or its parsed networks) and maps Gs (and optionally G, D) onto our parameters. */
export function importStyleganTf(input: Uint8Array | StyleganTfNetworks, source: string, opts: ImportOptions = {}): StyleganTfImport {
  const nets = input instanceof Uint8Array ? readStyleganTfPickle(input, source) : input;
  const kwargs = resolveKwargs(nets, source);
  const config = configFromKwargs(kwargs, source);
  const gen = (g: TfNetwork, label: string) => {
    expectFunc(g, 'G_style', source, label);
    const { mapping, synthesis } = g.components;
    return mapNetwork({ G: g, mapping, synthesis }, config, 'G', label, source);
  };
  const result: StyleganTfImport = { config, kwargs, lod: lodOf(nets.Gs.components.synthesis), G_ema: gen(nets.Gs, 'Gs'), skipped: [] };
  const optional = (label: string, f: () => TensorMap): TensorMap | undefined => {
    try {
      return f();
    } catch (e) {
      if (!opts.lenient) throw e;
      result.skipped.push(`${label}: ${(e as Error).message.replace(`${source}: `, '')}`);
      return undefined;
    }
  };
  if (opts.withG) result.G = optional('G', () => gen(nets.G, 'G'));
  if (opts.withD) {
    result.D = optional('D', () => {
      expectFunc(nets.D, 'D_basic', source, 'D');
      configFromKwargs(kwargs, source, true); // D's own options must fit the config too
      return mapNetwork({ D: nets.D }, config, 'D', 'D', source);
    });
  }
  return result;
}
