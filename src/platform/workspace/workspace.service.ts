import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Tier } from '../config/app-config';
import { AppException } from '../http/app.exception';
import { Workspace } from './workspace.entity';

export const DEFAULT_WORKSPACE_SLUG = 'default';

@Injectable()
export class WorkspaceService {
  constructor(@InjectRepository(Workspace) private readonly workspaces: Repository<Workspace>) {}

  async get(id: string): Promise<Workspace> {
    const ws = await this.workspaces.findOneBy({ id });
    if (!ws) throw AppException.notFound('Workspace', id);
    return ws;
  }

  findBySlug(slug: string): Promise<Workspace | null> {
    return this.workspaces.findOneBy({ slug });
  }

  list(): Promise<Workspace[]> {
    return this.workspaces.find({ order: { createdAt: 'ASC' } });
  }

  /** Creates the workspace, or returns the existing one with that slug. */
  async ensure(
    slug: string,
    tier: Tier,
    name = slug,
    manager?: EntityManager,
  ): Promise<{ workspace: Workspace; created: boolean }> {
    const repo = manager ? manager.getRepository(Workspace) : this.workspaces;
    const inserted: unknown[] = await repo.query(
      `INSERT INTO workspaces (slug, name, tier) VALUES ($1, $2, $3)
       ON CONFLICT (slug) DO NOTHING RETURNING id`,
      [slug, name, tier],
    );
    return { workspace: await repo.findOneByOrFail({ slug }), created: inserted.length > 0 };
  }

  /** The workspace that a new installation starts with; created on first start. */
  async ensureDefault(tier: Tier): Promise<Workspace> {
    await this.workspaces.query(
      `INSERT INTO workspaces (slug, name, tier, is_default) VALUES ($1, $2, $3, true)
       ON CONFLICT DO NOTHING`,
      [DEFAULT_WORKSPACE_SLUG, 'Default workspace', tier],
    );
    return this.workspaces.findOneByOrFail({ isDefault: true });
  }

  async setTier(id: string, tier: Tier): Promise<Workspace> {
    const ws = await this.get(id);
    ws.tier = tier;
    return this.workspaces.save(ws);
  }
}
