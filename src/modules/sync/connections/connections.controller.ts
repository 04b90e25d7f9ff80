import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Caller, RequireScope } from '../../../platform/auth/auth.decorators';
import type { Principal } from '../../../platform/auth/auth.types';
import { ApiEnvelope, ApiErrors, STANDARD_ERRORS } from '../../../platform/http/api-docs';
import { CrmConnection } from '../entities/crm-connection.entity';
import { SyncException } from '../sync.exception';
import {
  ConnectionDto,
  ConnectionListDto,
  CreateConnectionDto,
  toConnectionDto,
  UpdateConnectionDto,
  UploadedFileDto,
  UploadQueryDto,
} from '../sync.dto';
import { ConnectionsService } from './connections.service';
import { SyncFilesService } from './sync-files.service';

@ApiTags('Admin: connections')
@ApiBearerAuth()
@ApiSecurity('api-key')
@ApiErrors(...STANDARD_ERRORS)
@RequireScope('admin')
@Controller('admin/connections')
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly files: SyncFilesService,
  ) {}

  private async dto(c: CrmConnection): Promise<ConnectionDto> {
    return toConnectionDto(c, Object.keys(await this.connections.credentials(c)).length > 0);
  }

  @Get()
  @ApiOperation({ summary: "The workspace's CRM connections (credentials are never returned)" })
  @ApiEnvelope(ConnectionListDto)
  async list(@Caller() caller: Principal): Promise<ConnectionListDto> {
    const all = await this.connections.list(caller.workspaceId);
    return { connections: await Promise.all(all.map((c) => this.dto(c))) };
  }

  @Post()
  @ApiOperation({ summary: 'Add a CRM connection' })
  @ApiEnvelope(ConnectionDto, { status: 201 })
  @ApiErrors('CONFLICT')
  async create(
    @Caller() caller: Principal,
    @Body() body: CreateConnectionDto,
  ): Promise<ConnectionDto> {
    return this.dto(await this.connections.create(caller.workspaceId, body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One connection' })
  @ApiEnvelope(ConnectionDto)
  @ApiErrors('NOT_FOUND')
  async get(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ConnectionDto> {
    return this.dto(await this.connections.get(caller.workspaceId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a connection (settings, credentials, schedules, enabled)' })
  @ApiEnvelope(ConnectionDto)
  @ApiErrors('NOT_FOUND')
  async update(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateConnectionDto,
  ): Promise<ConnectionDto> {
    return this.dto(await this.connections.update(caller.workspaceId, id, body));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Remove a connection (its synced records stay)' })
  @ApiEnvelope(ConnectionDto)
  @ApiErrors('NOT_FOUND')
  async remove(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ConnectionDto> {
    const connection = await this.connections.get(caller.workspaceId, id);
    const dto = await this.dto(connection);
    await this.connections.remove(caller.workspaceId, id);
    return dto;
  }

  @Put(':id/files/:entity')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Upload the CSV file of an entity (Content-Type: text/csv, up to 50 MB)',
    description:
      'Replaces the previous upload of that entity. Set the connection setting "uploads": true to import uploads.',
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiEnvelope(UploadedFileDto)
  @ApiErrors('NOT_FOUND')
  async upload(
    @Caller() caller: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('entity') entity: string,
    @Query() query: UploadQueryDto,
    @Req() request: FastifyRequest,
  ): Promise<UploadedFileDto> {
    if (!Buffer.isBuffer(request.body)) {
      throw new SyncException(
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the file as the request body with Content-Type: text/csv',
      );
    }
    const connection = await this.connections.get(caller.workspaceId, id);
    return this.files.store(connection, entity, query.filename ?? `${entity}.csv`, request.body);
  }
}
