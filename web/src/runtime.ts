// The part of a runtime that both hosts share: open the database, restore the settings and the last loaded model,
// answer requests through the handler, and take settings from the page.
import { HearthDb } from './db';
import { EngineHost } from './engineHost';
import { handle, type RuntimeContext, type RuntimeName } from './handler';
import { withDefaults, type HearthConfig } from './config';

const CONFIG_KEY = 'config';

export interface ControlMessage { type: 'hearth.configure'; config: Partial<HearthConfig> }

export class Runtime {
  private ready: Promise<RuntimeContext>;

  constructor(readonly name: RuntimeName) {
    this.ready = (async () => {
      const db = await HearthDb.open();
      const config = withDefaults(await db.getSetting<Partial<HearthConfig>>(CONFIG_KEY));
      const host = new EngineHost(db, config, name === 'service-worker');
      return { db, host, runtime: name, startedAt: Date.now() };
    })();
  }

  async config(): Promise<HearthConfig> { return (await this.ready).host.getConfig(); }

  /** Answers one /v1 request; first re-creates the engine if this runtime was restarted since it was loaded. */
  async handle(req: Request, apiPath: string): Promise<Response> {
    const ctx = await this.ready;
    await ctx.host.restore();
    return await handle(ctx, req, apiPath);
  }

  async configure(partial: Partial<HearthConfig>): Promise<HearthConfig> {
    const ctx = await this.ready;
    const config = withDefaults(partial);
    await ctx.db.setSetting(CONFIG_KEY, partial);
    ctx.host.setConfig(config);
    return config;
  }

  async caps() { return (await this.ready).host.caps(); }
}

export const isControlMessage = (data: unknown): data is ControlMessage =>
  typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'hearth.configure';
