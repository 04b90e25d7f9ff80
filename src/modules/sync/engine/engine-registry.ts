import { Inject, Injectable } from '@nestjs/common';
import { SyncException } from '../sync.exception';
import { SyncEngine } from './sync-engine';

export const SYNC_ENGINES = Symbol('SYNC_ENGINES');

export interface EngineDescription {
  provider: string;
  entities: string[];
  supports_since: boolean;
}

/** Engines by provider and entity: adding a CRM means adding an engine provider, not a switch. */
@Injectable()
export class EngineRegistry {
  private readonly byKey = new Map<string, SyncEngine>();
  private readonly byProvider = new Map<string, SyncEngine[]>();

  constructor(@Inject(SYNC_ENGINES) engines: SyncEngine[]) {
    for (const engine of engines) {
      for (const entity of engine.entities) {
        const key = `${engine.provider}:${entity}`;
        if (this.byKey.has(key)) throw new Error(`Two sync engines claim ${key}`);
        this.byKey.set(key, engine);
      }
      this.byProvider.set(engine.provider, [
        ...(this.byProvider.get(engine.provider) ?? []),
        engine,
      ]);
    }
  }

  get(provider: string, entity: string): SyncEngine {
    const engine = this.byKey.get(`${provider}:${entity}`);
    if (!engine) {
      const known = this.entitiesOf(provider);
      throw new SyncException(
        'NOT_FOUND',
        known.length
          ? `No ${provider} engine for entity "${entity}"; ${provider} syncs ${known.join(', ')}`
          : `Unknown provider "${provider}"; known: ${this.providers().join(', ')}`,
      );
    }
    return engine;
  }

  /** A provider's entities in the order `all` runs them. */
  entitiesOf(provider: string): string[] {
    return (this.byProvider.get(provider) ?? []).flatMap((e) => [...e.entities]);
  }

  providers(): string[] {
    return [...this.byProvider.keys()].sort();
  }

  describe(): EngineDescription[] {
    return this.providers().map((provider) => ({
      provider,
      entities: this.entitiesOf(provider),
      supports_since: (this.byProvider.get(provider) ?? []).some((e) => e.supportsSince),
    }));
  }
}
