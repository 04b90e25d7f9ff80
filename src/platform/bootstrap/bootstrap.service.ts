import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { CredentialsService } from '../auth/credentials.service';
import { AppConfig } from '../config/app-config';
import { DatabaseInfo } from '../database/database.module';
import { WorkspaceService } from '../workspace/workspace.service';

export interface QuickstartCredentials {
  workspace: string;
  client_id: string;
  client_secret: string;
  api_key: string;
}

/**
 * First-start duties: the default workspace, the bootstrap client from configuration and, on a new
 * embedded database, quick-start credentials written to DATA_DIR/quickstart-credentials.json (0600)
 * so a local user can get a token at once. A server database never gets those.
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapService.name);
  quickstartFile?: string;

  constructor(
    private readonly config: AppConfig,
    private readonly database: DatabaseInfo,
    private readonly dataSource: DataSource,
    private readonly workspaces: WorkspaceService,
    private readonly credentials: CredentialsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const workspace = await this.workspaces.ensureDefault(this.config.BOOTSTRAP_TIER);
    if (this.config.BOOTSTRAP_CLIENT_ID && this.config.BOOTSTRAP_CLIENT_SECRET) {
      await this.credentials.ensureBootstrapClient(
        workspace.id,
        this.config.BOOTSTRAP_CLIENT_ID,
        this.config.BOOTSTRAP_CLIENT_SECRET,
      );
    }
    if (this.database.embedded && !this.config.DATA_DIR.startsWith('memory://')) {
      this.quickstartFile = join(resolve(this.config.DATA_DIR), 'quickstart-credentials.json');
      if (this.database.freshlyCreated) await this.writeQuickstart(workspace.id, workspace.slug);
    }
  }

  private async writeQuickstart(workspaceId: string, slug: string): Promise<void> {
    const issued = await this.dataSource.transaction(async (manager) => {
      const { client, clientSecret } = await this.credentials.createClient(
        workspaceId,
        { name: 'Quick-start client' },
        manager,
      );
      const { apiKey } = await this.credentials.createApiKey(
        workspaceId,
        { apiClientId: client.id, name: 'Quick-start key' },
        manager,
      );
      return {
        workspace: slug,
        client_id: client.clientId,
        client_secret: clientSecret,
        api_key: apiKey,
      };
    });
    writeFileSync(
      this.quickstartFile!,
      JSON.stringify(issued satisfies QuickstartCredentials, null, 2) + '\n',
      {
        mode: 0o600,
      },
    );
    this.logger.log(`Quick-start credentials written to ${this.quickstartFile}`);
  }
}
