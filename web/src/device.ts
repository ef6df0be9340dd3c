// What this browser context can do, and whether a catalog model fits it. Probed where the engine will run:
// WebGPU inside a service worker is not the same question as WebGPU in the page (Firefox has the latter only).
import type { CatalogEntry } from './catalog';

export interface WebGpuInfo {
  vendor: string;
  architecture: string;
  description: string;
  features: string[];
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface DeviceCaps {
  webgpu: WebGpuInfo | null;
  crossOriginIsolated: boolean;
  /** navigator.deviceMemory in GB where the browser tells (Chromium), else null. */
  deviceMemoryGB: number | null;
  serviceWorker: boolean;
}

interface GpuAdapterLike {
  features: Set<string>;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  info?: { vendor?: string; architecture?: string; description?: string };
}

export async function probeWebGpu(): Promise<WebGpuInfo | null> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    return {
      vendor: adapter.info?.vendor ?? '',
      architecture: adapter.info?.architecture ?? '',
      description: adapter.info?.description ?? '',
      features: [...adapter.features].sort(),
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    };
  } catch {
    return null;
  }
}

export async function probeDevice(): Promise<DeviceCaps> {
  const g = globalThis as unknown as { crossOriginIsolated?: boolean; ServiceWorkerGlobalScope?: unknown };
  return {
    webgpu: await probeWebGpu(),
    crossOriginIsolated: g.crossOriginIsolated === true,
    deviceMemoryGB: (navigator as unknown as { deviceMemory?: number }).deviceMemory ?? null,
    serviceWorker: typeof g.ServiceWorkerGlobalScope !== 'undefined' && self instanceof (g.ServiceWorkerGlobalScope as typeof Object),
  };
}

/** 1 GiB: WebLLM's models that are not marked low-resource bind storage buffers this large. */
const LARGE_BINDING_BYTES = 1 << 30;

export interface Fit { compatible: boolean; reason: string | null }

/**
 * Whether a model can run here. GGUF (wllama) runs wherever WebAssembly SIMD does. An MLC model (WebLLM) needs a
 * WebGPU adapter with its required features, large enough storage bindings unless it is low-resource, and its
 * vram_required_MB within a GPU budget: half the device memory the browser reports (4 GB assumed when it does not),
 * since most browser GPUs share memory with the CPU.
 */
export function modelFit(entry: CatalogEntry, caps: DeviceCaps): Fit {
  if (entry.engine === 'wllama') return { compatible: true, reason: null };
  const gpu = caps.webgpu;
  if (!gpu) return { compatible: false, reason: 'WebGPU is not available here' };
  const missing = (entry.requiredFeatures ?? []).filter((f) => !gpu.features.includes(f));
  if (missing.length) return { compatible: false, reason: `the GPU lacks ${missing.join(', ')}` };
  if (!entry.lowResourceRequired && gpu.maxStorageBufferBindingSize < LARGE_BINDING_BYTES) {
    return { compatible: false, reason: `the GPU's storage buffer binding limit (${gpu.maxStorageBufferBindingSize} bytes) is too small` };
  }
  const budgetMB = ((caps.deviceMemoryGB ?? 4) * 1024) / 2;
  if ((entry.vramRequiredMB ?? 0) > budgetMB) {
    return { compatible: false, reason: `it needs ${Math.round(entry.vramRequiredMB!)} MB of GPU memory, over the ${budgetMB} MB budget` };
  }
  return { compatible: true, reason: null };
}

/** The engine a device should use by default: WebLLM when some WebLLM model fits, else wllama. */
export function preferredEngine(models: CatalogEntry[], caps: DeviceCaps): 'webllm' | 'wllama' {
  return models.some((m) => m.engine === 'webllm' && modelFit(m, caps).compatible) ? 'webllm' : 'wllama';
}
