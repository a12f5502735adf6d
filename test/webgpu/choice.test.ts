/**
 * How webgpu is chosen: never SwiftShader by itself (automatic choice needs a GPU Vulkan driver),
 * an explicit --backend webgpu on a CPU adapter stops with a one-line reason unless
 * STYLEGAN_WEBGPU_ALLOW_CPU=1. Child processes: the registration is once per process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SWIFTSHADER_ICD } from './swiftshader.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function node(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base.STYLEGAN_WEBGPU_ALLOW_CPU;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...base, VK_ICD_FILENAMES: SWIFTSHADER_ICD, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

test('automatic choice skips webgpu on SwiftShader, even when a CPU adapter is allowed', async () => {
  const r = await node(['-e', "const m = await import('./src/backend/node.ts'); console.log((await m.availableNodeBackends(undefined, { webgpu: true })).join(','))"], { STYLEGAN_WEBGPU_ALLOW_CPU: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /cpu/, r.stderr);
  assert.ok(!r.stdout.includes('webgpu'), r.stdout);
});

test('--backend webgpu on SwiftShader without STYLEGAN_WEBGPU_ALLOW_CPU: one-line reason, exit 1', async () => {
  const r = await node(['src/cli/run.ts', 'generate', '--network', 'test/fixtures/stylegan2-ada-tiny/network.pkl', '--seeds', '0', '--outdir', '/nonexistent-webgpu-out', '--backend', 'webgpu'], {});
  assert.equal(r.code, 1, r.stderr);
  const last = r.stderr.trim().split('\n').pop()!;
  assert.match(last, /^stylegan generate: error: Backend 'webgpu' is not available here: the only WebGPU adapter is a CPU one \(SwiftShader.*STYLEGAN_WEBGPU_ALLOW_CPU=1/);
});
