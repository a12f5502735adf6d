/**
 * StyleGAN3 filter design and layer schedule against NVIDIA's: the per-layer values in the
 * fixtures' fixture.json and the up/down filters stored in their pickles (designed by scipy),
 * plus closed forms for the Bessel functions and scipy's Kaiser formulas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { besselI0, besselJ1, designLowpassFilter, firwin, kaiserAtten, kaiserBeta, kaiserWindow } from '../../src/networks/stylegan3/filters.js';
import { layerFilters, rint, synthesisSchedule } from '../../src/networks/stylegan3/schedule.js';
import { defaultStyleGAN3Config } from '../../src/networks/stylegan3/config.js';
import { unpickle } from '../../src/io/pickle.js';
import { isModuleRecord, tensorToFloat32, torchHandlers } from '../../src/io/torch.js';
import { flattenModule } from '../../src/io/import-stylegan2.js';

interface FixtureLayer {
  name: string; is_torgb: boolean; critically_sampled: boolean; in_channels: number; out_channels: number; in_size: number; out_size: number;
  in_sampling_rate: number; out_sampling_rate: number; in_cutoff: number; out_cutoff: number; in_half_width: number; out_half_width: number;
  conv_kernel: number; up_factor: number; down_factor: number; up_taps: number; down_taps: number; down_radial: boolean; padding: number[];
}

function fixture(name: 't32' | 'r32') {
  const dir = new URL(`../fixtures/stylegan3-tiny/${name}/`, import.meta.url);
  const json = JSON.parse(readFileSync(new URL('fixture.json', dir), 'utf8')) as {
    resolution: number; img_channels: number; g_channel_base: number; g_channel_max: number; conv_kernel: number; use_radial_filters: boolean; layers: FixtureLayer[];
  };
  const file = `${name}/network.pkl`;
  const top = unpickle(Uint8Array.from(readFileSync(new URL('network.pkl', dir))), file, { handlers: torchHandlers(file) }) as Map<string, unknown>;
  const g = top.get('G_ema');
  assert.ok(isModuleRecord(g));
  const cfg = defaultStyleGAN3Config({
    imgResolution: json.resolution, imgChannels: json.img_channels,
    synthesis: { channelBase: json.g_channel_base, channelMax: json.g_channel_max, convKernel: json.conv_kernel, useRadialFilters: json.use_radial_filters },
  });
  return { json, cfg, tensors: flattenModule(g).tensors };
}

test('kaiser formulas and Bessel functions: closed forms and scipy values', () => {
  assert.equal(kaiserAtten(12, 0.5), 2.285 * 11 * Math.PI * 0.5 + 7.95);
  assert.equal(kaiserBeta(10), 0);
  assert.ok(Math.abs(kaiserBeta(30) - (0.5842 * 9 ** 0.4 + 0.07886 * 9)) < 1e-15);
  assert.ok(Math.abs(kaiserBeta(60) - 0.1102 * 51.3) < 1e-15);
  // I0(1) = 1.2660658777520082, J1(1) = 0.44005058574493355, J1(10) = 0.04347274616886144, J1(30) = -0.11875106261662294.
  assert.ok(Math.abs(besselI0(1) - 1.2660658777520082) < 1e-15);
  assert.ok(Math.abs(besselJ1(1) - 0.44005058574493355) < 1e-15);
  assert.ok(Math.abs(besselJ1(10) - 0.04347274616886144) < 1e-15);
  assert.ok(Math.abs(besselJ1(30) + 0.11875106261662294) < 1e-15);
  // numpy.kaiser(5, 0) is a box; the window is symmetric and peaks at 1.
  assert.deepEqual([...kaiserWindow(5, 0)], [1, 1, 1, 1, 1]);
  const w = kaiserWindow(12, 3.5);
  for (let i = 0; i < 6; i++) assert.equal(w[i], w[11 - i]);
  const h = firwin(12, 2, 12, 32);
  assert.ok(Math.abs(h.reduce((a, b) => a + b, 0) - 1) < 1e-15, 'unit DC gain');
  assert.equal(designLowpassFilter(1, 2, 4, 32), null);
  assert.equal(rint(2.5), 2);
  assert.equal(rint(3.5), 4);
  assert.equal(rint(-2.5), -2);
});

for (const name of ['t32', 'r32'] as const) {
  test(`${name}: the layer schedule equals NVIDIA's (sizes, rates, cutoffs, half-widths, taps, padding)`, () => {
    const { json, cfg } = fixture(name);
    const { layers, input } = synthesisSchedule(cfg);
    assert.equal(layers.length, json.layers.length);
    assert.equal(input.size, json.layers[0].in_size);
    assert.equal(input.channels, json.layers[0].in_channels);
    layers.forEach((l, i) => {
      const f = json.layers[i];
      assert.equal(l.name, f.name);
      assert.deepEqual(
        [l.isTorgb, l.isCriticallySampled, l.inChannels, l.outChannels, l.inSize, l.outSize, l.inSamplingRate, l.outSamplingRate, l.convKernel, l.upFactor, l.downFactor, l.upTaps, l.downTaps, l.downRadial, l.padding],
        [f.is_torgb, f.critically_sampled, f.in_channels, f.out_channels, f.in_size, f.out_size, f.in_sampling_rate, f.out_sampling_rate, f.conv_kernel, f.up_factor, f.down_factor, f.up_taps, f.down_taps, f.down_radial, f.padding],
        l.name);
      for (const k of ['in_cutoff', 'out_cutoff', 'in_half_width', 'out_half_width'] as const) {
        const ours = { in_cutoff: l.inCutoff, out_cutoff: l.outCutoff, in_half_width: l.inHalfWidth, out_half_width: l.outHalfWidth }[k];
        assert.ok(Math.abs(ours - f[k]) <= 1e-12 * Math.abs(f[k]), `${l.name}.${k}: ${ours} vs ${f[k]}`);
      }
    });
  });

  test(`${name}: designed up/down filters equal the pickle's buffers (scipy's firwin${name === 'r32' ? ', jinc' : ''})`, () => {
    const { cfg, tensors } = fixture(name);
    let worst = 0, count = 0;
    for (const l of synthesisSchedule(cfg).layers) {
      const f = layerFilters(l);
      for (const [which, ours] of [['up_filter', f.up], ['down_filter', f.down]] as const) {
        const t = tensors.get(`synthesis.${l.name}.${which}`);
        if (!ours) { assert.equal(t, undefined, `${l.name}.${which} should be None`); continue; }
        assert.ok(t, `${l.name}.${which} missing in the pickle`);
        assert.deepEqual(t.shape, ours.radial ? [ours.size, ours.size] : [ours.size], `${l.name}.${which} shape`);
        const ref = tensorToFloat32(t);
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours.taps[i] - ref[i]) / Math.max(...ref.map(Math.abs)));
        count++;
      }
    }
    assert.ok(count >= 28, `${count} filters compared`);
    // float32 rounding of the same float64 design: relative to the peak tap.
    assert.ok(worst < 2e-7, `worst relative difference ${worst}`);
  });
}

test('the default 1024 px StyleGAN3-T schedule: 16 styles, NVIDIA\'s printed layer names', () => {
  const { layers } = synthesisSchedule(defaultStyleGAN3Config());
  // As print(G.synthesis) lists them for stylegan3-t-ffhq-1024x1024.pkl.
  assert.deepEqual(layers.map((l) => l.name), [
    'L0_36_512', 'L1_36_512', 'L2_52_512', 'L3_52_512', 'L4_84_512', 'L5_148_512', 'L6_148_512', 'L7_276_323',
    'L8_276_203', 'L9_532_128', 'L10_1044_81', 'L11_1044_51', 'L12_1044_32', 'L13_1024_32', 'L14_1024_3',
  ]);
});
