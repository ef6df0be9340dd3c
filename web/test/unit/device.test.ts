import { expect, test } from 'vitest';
import { modelFit, preferredEngine, type DeviceCaps } from '../../src/device';
import { DEFAULT_CATALOG, DEFAULT_WEBLLM_IDS } from '../../src/catalog';
import { webllmAppConfig, webllmCatalog } from '../../src/webllmEngine';

const gpu = (features: string[], binding = 2 ** 31) => ({
  vendor: 'google', architecture: 'swiftshader', description: '', features, maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: binding,
});
const caps = (webgpu: DeviceCaps['webgpu'], deviceMemoryGB: number | null = 8): DeviceCaps =>
  ({ webgpu, crossOriginIsolated: false, deviceMemoryGB, serviceWorker: false });

const webllm = webllmCatalog(DEFAULT_WEBLLM_IDS);
const byId = (id: string) => webllm.find((m) => m.id === id)!;

test("WebLLM's prebuilt records become catalog entries with their size and needs", () => {
  expect(webllm.map((m) => m.id)).toEqual(DEFAULT_WEBLLM_IDS);
  const f16 = byId('Qwen2.5-0.5B-Instruct-q4f16_1-MLC');
  expect(f16.requiredFeatures).toContain('shader-f16');
  expect(f16.vramRequiredMB).toBeGreaterThan(500);
  expect(f16.lowResourceRequired).toBe(true);
  expect(f16.file).toBe('mlc-ai/Qwen2.5-0.5B-Instruct-q4f16_1-MLC');
});

test('model files and libraries come from the configured base URLs', () => {
  const app = webllmAppConfig(webllm, 'http://127.0.0.1:1/hf/', 'http://127.0.0.1:1/libs');
  const record = app.model_list.find((m) => m.model_id === 'Qwen2.5-0.5B-Instruct-q4f32_1-MLC')!;
  expect(record.model).toBe('http://127.0.0.1:1/hf/mlc-ai/Qwen2.5-0.5B-Instruct-q4f32_1-MLC');
  expect(record.model_lib).toMatch(/^http:\/\/127\.0\.0\.1:1\/libs\/v0_2_\d+\/base\/.*-webgpu\.wasm$/);
  expect(app.cacheBackend).toBe('indexeddb');
});

test('GGUF models fit everywhere; WebLLM models need WebGPU, their features and memory', () => {
  const gguf = DEFAULT_CATALOG[0];
  expect(modelFit(gguf, caps(null)).compatible).toBe(true);
  const f32 = byId('Qwen2.5-0.5B-Instruct-q4f32_1-MLC');
  const f16 = byId('Qwen2.5-0.5B-Instruct-q4f16_1-MLC');
  expect(modelFit(f32, caps(null))).toEqual({ compatible: false, reason: 'WebGPU is not available here' });
  expect(modelFit(f32, caps(gpu([]))).compatible).toBe(true);
  expect(modelFit(f16, caps(gpu([]))).reason).toMatch(/shader-f16/);
  expect(modelFit(f16, caps(gpu(['shader-f16']))).compatible).toBe(true);
  expect(modelFit(f32, caps(gpu([]), 1)).reason).toMatch(/GPU memory/);
  expect(modelFit({ ...f32, lowResourceRequired: false }, caps(gpu([], 2 ** 27))).reason).toMatch(/binding limit/);
});

test('the preferred engine is WebLLM only when some WebLLM model fits', () => {
  const all = [...DEFAULT_CATALOG, ...webllm];
  expect(preferredEngine(all, caps(null))).toBe('wllama');
  expect(preferredEngine(all, caps(gpu([])))).toBe('webllm');
  expect(preferredEngine(DEFAULT_CATALOG, caps(gpu([])))).toBe('wllama');
});
