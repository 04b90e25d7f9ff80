import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { RawResponse } from '../http/envelope.interceptor';
import { QueueService } from '../jobs/queue.service';
import { APP_VERSION } from '../version';

class HealthServicesDto {
  @ApiProperty({ enum: ['connected', 'disconnected'] })
  database: string;

  @ApiProperty({ enum: ['connected', 'disconnected'] })
  queue: string;
}

class HealthDto {
  @ApiProperty({ enum: ['healthy', 'unhealthy'] })
  status: string;

  @ApiProperty({ format: 'date-time' })
  timestamp: string;

  @ApiProperty({ example: '0.1.0' })
  version: string;

  @ApiProperty({ type: HealthServicesDto })
  services: HealthServicesDto;
}

const DB_CHECK_TIMEOUT_MS = 2_000;

@ApiTags('Health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: QueueService,
  ) {}

  @Get()
  @RawResponse()
  @ApiOperation({
    summary: 'Liveness and dependencies (no authentication). 503 when the database is down.',
  })
  @ApiResponse({ status: 200, type: HealthDto, description: 'Healthy' })
  @ApiResponse({ status: 503, type: HealthDto, description: 'The database is unreachable' })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    const database = await this.databaseUp();
    const healthy = database;
    reply.status(healthy ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: healthy ? 'healthy' : 'unhealthy',
      timestamp: new Date().toISOString(),
      version: APP_VERSION,
      services: {
        database: database ? 'connected' : 'disconnected',
        queue: database && this.queue.isRunning ? 'connected' : 'disconnected',
      },
    };
  }

  private async databaseUp(): Promise<boolean> {
    if (!this.dataSource.isInitialized) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), DB_CHECK_TIMEOUT_MS);
    });
    try {
      return await Promise.race([
        this.dataSource.query('SELECT 1').then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
