/**
 * The webgpu backend for tests: Dawn on SwiftShader (Debian chromium's CPU Vulkan driver, which
 * scripts/setup.sh installs) unless VK_ICD_FILENAMES already names a driver. A stack that cannot
 * start fails the test with Dawn's reason: these tests never skip.
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { availableNodeBackends, initNodeBackend, type BackendName } from '../../src/backend/node.js';
import { ALLOW_CPU_ENV } from '../../src/backend/webgpu-node.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Points Vulkan at SwiftShader and lets the webgpu backend take a CPU adapter. */
export function useSwiftShader(): void {
  if (!process.env.VK_ICD_FILENAMES) {
    if (!fs.existsSync(SWIFTSHADER_ICD)) throw new Error(`${SWIFTSHADER_ICD} is missing: install chromium (bash scripts/setup.sh) for the webgpu tests`);
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  process.env[ALLOW_CPU_ENV] = '1';
}

/** The CPU reference the webgpu results are compared with: native when built, else cpu. */
export async function referenceBackend(): Promise<BackendName> {
  return (await availableNodeBackends()).includes('native') ? 'native' : 'cpu';
}

/** Switches to `name` (webgpu: registered on first use; throws its reason when it cannot start). */
export async function use(name: BackendName): Promise<void> {
  if (name === 'webgpu') useSwiftShader();
  await initNodeBackend(name, true);
  if (tf.getBackend() !== name) throw new Error(`backend is ${tf.getBackend()}, wanted ${name}`);
}
