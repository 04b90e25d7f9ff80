import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors, STANDARD_ERRORS } from '../http/api-docs';
import { pagination } from '../http/pagination.dto';
import { WorkspaceService } from '../workspace/workspace.service';
import { Caller, RequireScope } from './auth.decorators';
import {
  ApiKeyDto,
  ApiKeyListDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  PageQueryDto,
  WorkspaceDto,
} from './auth.dto';
import type { Principal } from './auth.types';
import { ApiKey } from './api-key.entity';
import { CredentialsService } from './credentials.service';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toApiKeyDto(key: ApiKey): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    api_client_id: key.apiClientId,
    scopes: key.scopes,
    expires_at: iso(key.expiresAt),
    revoked_at: iso(key.revokedAt),
    last_used_at: iso(key.lastUsedAt),
    created_at: key.createdAt.toISOString(),
  };
}

@ApiTags('Workspace')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiErrors(...STANDARD_ERRORS)
@Controller()
export class ApiKeysController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly workspaces: WorkspaceService,
  ) {}

  @Get('workspace')
  @ApiOperation({ summary: "The caller's workspace" })
  @ApiEnvelope(WorkspaceDto)
  async workspace(@Caller() caller: Principal): Promise<WorkspaceDto> {
    const ws = await this.workspaces.get(caller.workspaceId);
    return {
      id: ws.id,
      slug: ws.slug,
      name: ws.name,
      tier: ws.tier,
      scopes: caller.scopes,
      created_at: ws.createdAt.toISOString(),
    };
  }

  @Get('api-keys')
  @RequireScope('admin')
  @ApiOperation({ summary: "List the workspace's API keys (never the keys themselves)" })
  @ApiEnvelope(ApiKeyListDto)
  async list(@Caller() caller: Principal, @Query() page: PageQueryDto): Promise<ApiKeyListDto> {
    const [keys, total] = await this.credentials.listKeys(
      caller.workspaceId,
      page.limit,
      page.offset,
    );
    return {
      api_keys: keys.map(toApiKeyDto),
      pagination: pagination(total, page.limit, page.offset, keys.length),
    };
  }

  @Post('api-keys')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Create an API key; the key is in this response only' })
  @ApiEnvelope(CreatedApiKeyDto, { status: 201 })
  @ApiErrors('NOT_FOUND')
  async create(
    @Caller() caller: Principal,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    const { key, apiKey } = await this.credentials.createApiKey(caller.workspaceId, {
      apiClientId: body.api_client_id ?? caller.clientId,
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at,
    });
    return { ...toApiKeyDto(key), api_key: apiKey };
  }

  @Get('api-keys/:id')
  @RequireScope('admin')
  @ApiOperation({ summary: 'One API key' })
  @ApiEnvelope(ApiKeyDto)
  @ApiErrors('NOT_FOUND')
  async get(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.credentials.getKey(caller.workspaceId, id));
  }

  @Delete('api-keys/:id')
  @RequireScope('admin')
  @ApiOperation({ summary: 'Revoke an API key (takes effect at once)' })
  @ApiEnvelope(ApiKeyDto)
  @ApiErrors('NOT_FOUND')
  async revoke(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.credentials.revokeKey(caller.workspaceId, id));
  }
}
