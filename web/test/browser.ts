// Debian's headless Chromium driven by playwright-core (never a downloaded browser), one fresh profile per launch.
import { chromium, type BrowserContext } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium';

const BASE_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader'];

export interface Browser { context: BrowserContext; close(): Promise<void>; logs: string[] }

/** A persistent context (a real profile directory) so IndexedDB, caches and service workers survive reloads. */
export async function launch(extraFlags: string[] = []): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'hearth-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: [...BASE_FLAGS, ...extraFlags],
  });
  const logs: string[] = [];
  context.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  context.on('weberror', (e) => logs.push(`[pageerror] ${e.error().message}`));
  return {
    context, logs,
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}
