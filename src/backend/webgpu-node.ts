/**
 * WebGPU in Node: Google's Dawn (the npm package `webgpu`, a prebuilt dawn.node) under
 * @tensorflow/tfjs-backend-webgpu. On Linux Dawn runs on Vulkan; a machine without a GPU can use
 * SwiftShader (a CPU Vulkan, e.g. Debian chromium's /usr/lib/chromium/vk_swiftshader_icd.json
 * through VK_ICD_FILENAMES), which is slow, so it is taken only when asked for
 * (STYLEGAN_WEBGPU_ALLOW_CPU=1 or `allowCpuAdapter`).
 *
 * Node has no synchronous GPU reads (tfjs-webgpu's readSync needs OffscreenCanvas): dataSync()
 * on a GPU-resident tensor throws here with a message saying so; callers read with data().
 */
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { registerWebGPUKernels } from './webgpu-kernels.js';

/** Env var that lets a CPU adapter (SwiftShader, llvmpipe) run the webgpu backend. */
export const ALLOW_CPU_ENV = 'STYLEGAN_WEBGPU_ALLOW_CPU';

export interface WebGPUAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software rasterisers (SwiftShader, llvmpipe/lavapipe): a CPU, not a GPU. */
  cpu: boolean;
}

export interface NodeWebGPUOptions {
  /** Accept a CPU adapter (SwiftShader); default: the STYLEGAN_WEBGPU_ALLOW_CPU env var. */
  allowCpuAdapter?: boolean;
  /**
   * Only probe when a Vulkan driver is installed (an ICD json in the loader's folders or named by
   * VK_ICD_FILENAMES / VK_DRIVER_FILES): automatic choice must not load Dawn on every CPU machine.
   */
  requireIcd?: boolean;
}

let registered: WebGPUAdapterSummary | undefined;

function isCpuAdapter(info: { vendor?: string; architecture?: string; device?: string; description?: string }): boolean {
  const s = `${info.vendor ?? ''} ${info.architecture ?? ''} ${info.device ?? ''} ${info.description ?? ''}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|softpipe|software/.test(s);
}

/** Vulkan ICD manifests the loader would find (Linux); [] elsewhere means "don't know". */
function vulkanIcds(): string[] {
  const env = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (env) return env.split(':').filter((f) => f && fs.existsSync(f));
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  return dirs.flatMap((d) => {
    try {
      return fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => `${d}/${f}`);
    } catch {
      return [];
    }
  });
}

/** The adapter the registered webgpu backend runs on (undefined before registration). */
export function webgpuAdapter(): WebGPUAdapterSummary | undefined {
  return registered;
}

/**
 * Registers tfjs's 'webgpu' backend on a Dawn device. Returns '' on success, else a one-line
 * reason (no package, no Vulkan, no adapter, only a CPU adapter). Does not make it current.
 */
export async function registerNodeWebGPU(opts: NodeWebGPUOptions = {}): Promise<string> {
  if (registered) return '';
  const allowCpu = opts.allowCpuAdapter ?? ['1', 'true', 'yes'].includes((process.env[ALLOW_CPU_ENV] ?? '').toLowerCase());
  const linux = process.platform === 'linux';
  // Software ICDs (lavapipe's lvp_icd, SwiftShader) do not count: they are CPUs.
  if (linux && opts.requireIcd && !vulkanIcds().some((f) => !/lvp|lavapipe|swiftshader/i.test(f))) {
    return 'no Vulkan driver for a GPU installed (no ICD json in /usr/share/vulkan/icd.d)';
  }
  let dawn: { create(flags: string[]): GPU; globals: object };
  try {
    dawn = (await import('webgpu' as string)) as typeof dawn;
  } catch (e) {
    return `the 'webgpu' package (Dawn) cannot be loaded: ${(e as Error).message.split('\n')[0]}`;
  }
  let webgpu: typeof import('@tensorflow/tfjs-backend-webgpu');
  try {
    webgpu = await import('@tensorflow/tfjs-backend-webgpu');
  } catch (e) {
    return `@tensorflow/tfjs-backend-webgpu cannot be loaded: ${(e as Error).message.split('\n')[0]}`;
  }
  // tfjs-webgpu reads the GPU* constants and navigator.gpu from the global scope.
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  let gpu: GPU;
  try {
    gpu = dawn.create(linux ? ['backend=vulkan'] : []);
  } catch (e) {
    return `Dawn could not start: ${(e as Error).message.split('\n')[0]}`;
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) {
    return linux
      ? 'no WebGPU adapter: Dawn found no usable Vulkan device (install libvulkan1 and the GPU\'s Vulkan driver; VK_ICD_FILENAMES selects one)'
      : 'no WebGPU adapter found';
  }
  // GPUAdapter.info is newer than the @webgpu/types that tfjs-webgpu pins.
  const info = (adapter as unknown as { info: { vendor: string; architecture: string; device: string; description: string } }).info;
  const summary: WebGPUAdapterSummary = {
    vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
    cpu: isCpuAdapter(info),
  };
  if (summary.cpu && !allowCpu) return `the only WebGPU adapter is a CPU one (${summary.description || summary.architecture}); set ${ALLOW_CPU_ENV}=1 to use it anyway`;
  // The limits tfjs-webgpu asks for in its own browser registration.
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  }).catch((e: Error) => e);
  if (device instanceof Error) return `the WebGPU adapter (${summary.description}) gave no device: ${device.message.split('\n')[0]}`;
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  class NodeWebGPUBackend extends webgpu.WebGPUBackend {
    override readSync(dataId: object): tf.backend_util.BackendValues {
      const d = (this as unknown as { tensorMap: tf.DataStorage<{ values?: tf.backend_util.BackendValues }> }).tensorMap.get(dataId);
      if (d?.values != null) return d.values;
      throw new Error('webgpu backend in Node: synchronous reads (dataSync) are not possible; this code path needs an await data()');
    }
  }
  chunkAddN(device.limits.maxStorageBuffersPerShaderStage - 1);
  registerWebGPUKernels();
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new NodeWebGPUBackend(device, info as unknown as GPUAdapterInfo), 1);
  registered = summary;
  return '';
}

/**
 * tfjs-webgpu's AddN binds every input as a storage buffer: more than the device's per-stage
 * limit (8 by default: 7 inputs + the output) makes an invalid pipeline, and the sum silently
 * reads as zeros (gradients of a tensor with many consumers, projection's noise regularisation).
 * Sums of more inputs are done in chunks of at most `maxInputs`.
 */
function chunkAddN(maxInputs: number): void {
  const orig = tf.getKernel('AddN', 'webgpu');
  if (!orig || maxInputs < 2) return;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    kernelName: 'AddN', backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      let parts = inputs as unknown as tf.TensorInfo[];
      const add = (ts: tf.TensorInfo[]) => orig.kernelFunc({ inputs: ts as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
      const temps: tf.TensorInfo[] = [];
      while (parts.length > maxInputs) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < parts.length; i += maxInputs) {
          const chunk = parts.slice(i, i + maxInputs);
          if (chunk.length === 1) next.push(chunk[0]);
          else { const r = add(chunk); temps.push(r); next.push(r); }
        }
        parts = next;
      }
      const out = add(parts);
      for (const t of temps) (backend as tf.KernelBackend).disposeData(t.dataId);
      return out;
    },
  });
}
