/**
 * Bad input to every command in src/cli/main.ts: unknown flags, out-of-range and non-numeric
 * numbers, bad seed lists, broken data sets (text named .png, truncated PNG/JPEG, --strict),
 * broken or foreign checkpoints for --resume and --network, and a pickle that calls os.system
 * (refused, never run). Each exits non-zero with exactly one stderr line naming the problem
 * and writes nothing half-way. test/cli/errors.test.ts has the first cases (as child processes);
 * these extend them, in-process for speed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { encodeSnapshot } from '../../src/io/snapshot.js';
import { tinyConfig } from '../helpers.js';

let tmp = '';
before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylegan-cli-bad-')); });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PNG = new URL('../fixtures/stylegan2-ada-tiny/seed0000-psi0.5.png', import.meta.url);

interface Result { code: number; stderr: string }

/**
 * Runs the cases one after another in this process through main() (what bin/stylegan.js
 * calls): a child process per case costs seconds of start-up each. console.error is where
 * main() reports; training's progress lines go to process.stderr and are not captured.
 */
async function runAll(cases: Array<[string[], RegExp]>): Promise<Result[]> {
  const out: Result[] = [];
  const error = console.error;
  for (const [args] of cases) {
    let stderr = '';
    console.error = (...a: unknown[]) => { stderr += a.join(' ') + '\n'; };
    try {
      out.push({ code: await main(args), stderr });
    } finally {
      console.error = error;
    }
  }
  return out;
}

function check(cases: Array<[string[], RegExp]>, results: Result[]): void {
  const failures: string[] = [];
  results.forEach((r, i) => {
    const [args, re] = cases[i];
    const what = `stylegan ${args.join(' ')}`;
    const lines = r.stderr.trimEnd().split('\n');
    if (r.code === 0) failures.push(`${what}: exit 0`);
    else if (lines.length !== 1) failures.push(`${what}: ${lines.length} stderr lines:\n${r.stderr}`);
    else if (!re.test(lines[0])) failures.push(`${what}:\n  got      ${lines[0]}\n  expected ${re}`);
  });
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases:\n${failures.join('\n')}`);
}

test('every command: unknown flags, bad numbers and seed lists are one-line usage errors (exit 2)', async () => {
  const net = path.join(tmp, 'missing.safetensors');
  const out = path.join(tmp, 'out');
  const c = (cmd: string, re: RegExp, ...a: string[]): [string[], RegExp] => [[cmd, ...a], new RegExp(`^stylegan ${cmd}: error: ${re.source}$`)];
  const cases: Array<[string[], RegExp]> = [
    ...['train', 'generate', 'mix', 'truncation', 'noise', 'interpolate', 'project', 'metrics', 'convert', 'export', 'bench', 'serve', 'dashboard']
      .map((cmd) => c(cmd, new RegExp(`${cmd}: Unknown option '--bogus' \\(see stylegan ${cmd} --help\\)`), '--bogus', '1')),
    c('train', /--kimg must be >= 0\.001, got -1/, '--outdir', out, '--kimg', '-1'),
    c('train', /--resolution must be a power of two, got 24/, '--outdir', out, '--resolution', '24'),
    c('train', /--lr must be a number, got 'NaN'/, '--outdir', out, '--lr', 'NaN'),
    c('train', /--seed must be a number, got 'a'/, '--outdir', out, '--seed', 'a'),
    c('train', /--snap must be an integer, got '1\.5'/, '--outdir', out, '--snap', '1.5'),
    c('train', /--max-images must be >= 1, got 0/, '--outdir', out, '--max-images', '0'),
    c('train', /--mixing must be <= 1, got 2/, '--outdir', out, '--mixing', '2'),
    c('train', /--grid must look like 8x4 \(columns x rows\), got '0x3'/, '--outdir', out, '--grid', '0x3'),
    c('generate', /--seeds: range '5-2' ends before it starts/, '--network', net, '--outdir', out, '--seeds', '5-2'),
    c('generate', /--seeds: '-1' is not a seed or a range like 0-7/, '--network', net, '--outdir', out, '--seeds', '-1'),
    c('generate', /--trunc must be a number, got 'Infinity'/, '--network', net, '--outdir', out, '--seeds', '0', '--trunc', 'Infinity'),
    c('generate', /--batch must be >= 1, got 0/, '--network', net, '--outdir', out, '--seeds', '0', '--batch', '0'),
    c('mix', /--rows: 'a' is not a seed or a range like 0-7/, '--network', net, '--outdir', out, '--rows', 'a', '--cols', '1'),
    c('mix', /--cols: range '9-3' ends before it starts/, '--network', net, '--outdir', out, '--rows', '1', '--cols', '9-3'),
    c('truncation', /--psi must be a number, got 'nan'/, '--network', net, '--outdir', out, '--seeds', '0', '--psi', 'nan'),
    c('noise', /--samples must be >= 2, got 1/, '--network', net, '--outdir', out, '--samples', '1'),
    c('noise', /--seed must be >= 0, got -3/, '--network', net, '--outdir', out, '--seed', '-3'),
    c('interpolate', /--frames must be >= 1, got 0/, '--network', net, '--out', path.join(tmp, 'w.webp'), '--seeds', '0-2', '--frames', '0'),
    c('interpolate', /--fps must be a number, got 'fast'/, '--network', net, '--out', path.join(tmp, 'w.webp'), '--seeds', '0-2', '--fps', 'fast'),
    c('project', /--num-steps must be >= 1, got -5/, '--network', net, '--target', String(PNG.pathname), '--outdir', out, '--num-steps', '-5'),
    c('metrics', /--batch must be >= 1, got 0/, '--network', net, '--batch', '0'),
    c('metrics', /--num must be >= 2, got 1/, '--network', net, '--num', '1'),
    c('export', /export: --format must be onnx, got 'tflite'/, '--network', net, '--format', 'tflite', '--out', out),
    c('export', /--trunc-cutoff must be an integer, got '1\.5'/, '--network', net, '--format', 'onnx', '--out', out, '--trunc-cutoff', '1.5'),
    c('convert', /convert: output must end in \.safetensors or \.pkl, got '.*out\.bin'/, path.join(tmp, 'in.pkl'), path.join(tmp, 'out.bin')),
    c('bench', /--backends: 'abacus' is not one of .*/, '--backends', 'abacus'),
    c('serve', /--port must be <= 65535, got 70000/, '--network', net, '--port', '70000'),
    c('dashboard', /--port must be >= 0, got -1/, '--run', tmp, '--port', '-1'),
  ];
  const results = await runAll(cases);
  check(cases, results);
  for (const [i, r] of results.entries()) assert.equal(r.code, 2, `stylegan ${cases[i][0].join(' ')}: usage errors exit 2`);
  assert.ok(!fs.existsSync(out), 'nothing written');
});

test('broken data sets, checkpoints and pickles: one line naming the file and the problem, nothing executed or written', async () => {
  const png = fs.readFileSync(PNG);
  const mk = (name: string, files: Record<string, Uint8Array | string>) => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, b] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), b);
    return dir;
  };
  const textPng = mk('text-png', { 'notes.png': 'not an image\n' });
  const truncated = mk('truncated', { 'a.png': png.subarray(0, png.length >> 1), 'b.jpg': Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]) });
  const mixed = mk('mixed', { 'good.png': png, 'half.png': png.subarray(0, 60) });
  const noImages = mk('no-images', { 'readme.txt': 'hello', 'data.csv': '1,2' });

  const cfg = tinyConfig();
  const training = { nimg: 8, step: 2, rng: {}, adamStepG: 2, adamStepD: 2 };
  const file = (name: string, bytes: Uint8Array) => { const f = path.join(tmp, name); fs.writeFileSync(f, bytes); return f; };
  const w = { shape: [4], data: new Float32Array(4) };
  const res16 = file('res16.safetensors', encodeSnapshot({ config: cfg, training, modules: { G_ema: { w } } }));
  const noState = file('converted.safetensors', encodeSnapshot({ config: cfg, modules: { G_ema: { w } } }));
  const wrongArch = file('arch.safetensors', encodeSnapshot({ config: { ...cfg, arch: 'stylegan9' } as never, training, modules: { G_ema: { w } } }));
  const wrongShapes = file('shapes.safetensors', encodeSnapshot({ config: cfg, training, modules: { G: { w }, G_ema: { w }, D: { w }, optG: { w }, optD: { w } } }));
  // Header length 2^40: must be refused before any allocation.
  const absurd = new Uint8Array(64);
  new DataView(absurd.buffer).setUint32(4, 256, true);
  const huge = file('huge-header.safetensors', absurd);
  const marker = path.join(tmp, 'pwned');
  // Protocol 0: os.system('touch <marker>'): must be refused, not run.
  const evil = file('evil.pkl', new TextEncoder().encode(`cos\nsystem\n(S'touch ${marker}'\ntR.`));
  const evilPt = file('evil.pt', new TextEncoder().encode(`cposix\nsystem\n(S'touch ${marker}'\ntR.`));
  const dictPkl = file('dict.pkl', Uint8Array.from([0x80, 2, 0x7d, 0x2e]));
  const garbage = file('garbage.safetensors', new TextEncoder().encode('{"this is": "json, not safetensors"}'));

  let runs = 0;
  const outs: string[] = [];
  const train = (...a: string[]) => {
    const o = path.join(tmp, `run${runs++}`);
    outs.push(o);
    return ['train', '--outdir', o, '--backend', 'wasm', '--kimg', '0.004', '--batch', '4', '--grid', '2x2', ...a];
  };
  const gen = (network: string) => ['generate', '--network', network, '--seeds', '0', '--outdir', path.join(tmp, 'gen'), '--backend', 'wasm'];
  const cases: Array<[string[], RegExp]> = [
    [train('--data', textPng), /^stylegan train: error: None of the 1 images in .*text-png could be read \(first: notes\.png: .+\)$/],
    [train('--data', truncated), /^stylegan train: error: None of the 2 images in .*truncated could be read \(first: a\.png: .+\)$/],
    [train('--data', mixed, '--strict'), /^stylegan train: error: Cannot read image half\.png in .*mixed: .+$/],
    [train('--data', noImages), /^stylegan train: error: No images found in .*no-images \(looked for \.png, \.jpg, \.jpeg, \.webp\)$/],
    [train('--data', path.join(tmp, 'text-png', 'notes.png')), /^stylegan train: error: Dataset must be a folder or a \.zip file: .*notes\.png$/],
    [train('--resume', res16, '--resolution', '32'), /^stylegan train: error: .*res16\.safetensors: checkpoint is 16 px, but --resolution is 32$/],
    [train('--resume', noState), /^stylegan train: error: .*converted\.safetensors: cannot resume, the checkpoint has no training state$/],
    [train('--resume', wrongArch), /^stylegan train: error: .*arch\.safetensors: unknown architecture 'stylegan9'$/],
    [train('--resume', wrongShapes), /^stylegan train: error: .*shapes\.safetensors.*: (unknown|missing) tensor \S+$/],
    [train('--resume', huge), /^stylegan train: error: .*huge-header\.safetensors: header length 1099511627776 is absurd/],
    [train('--resume', path.join(tmp, 'nope.safetensors')), /^stylegan train: error: Checkpoint not found: .*nope\.safetensors$/],
    [gen(garbage), /^stylegan generate: error: .*garbage\.safetensors: (header length \d+ is absurd|truncated file).*$/],
    [gen(huge), /^stylegan generate: error: .*huge-header\.safetensors: header length 1099511627776 is absurd/],
    [gen(evil), /^stylegan generate: error: .*evil\.pkl: not a network pickle this version can read/],
    [gen(dictPkl), /^stylegan generate: error: .*dict\.pkl: not a network pickle/],
    [['convert', evilPt, path.join(tmp, 'evil.safetensors')], /^stylegan convert: error: .*evil\.pt/],
  ];
  const results = await runAll(cases);
  check(cases, results);
  assert.ok(!fs.existsSync(marker), 'the pickle\'s os.system call ran');
  assert.ok(!fs.existsSync(path.join(tmp, 'evil.safetensors')), 'no output from a refused input');
  assert.ok(!fs.existsSync(path.join(tmp, 'gen')), 'generate wrote nothing');
  for (const o of outs) {
    const left = fs.existsSync(o) ? fs.readdirSync(o).filter((f) => f !== 'log.txt') : [];
    assert.deepEqual(left, [], `${o}: only log.txt may be written before the error`);
  }
});
