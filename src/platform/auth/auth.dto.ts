import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { PaginationDto } from '../http/pagination.dto';
import { Scope, SCOPES } from './auth.types';

export { PageQueryDto, PaginationDto } from '../http/pagination.dto';

export class TokenRequestDto {
  @ApiProperty({ enum: ['client_credentials'], example: 'client_credentials' })
  @IsIn(['client_credentials'], { message: 'grant_type must be client_credentials' })
  grant_type: string;

  @ApiPropertyOptional({
    description: 'Required unless sent with HTTP Basic authentication',
    example: 'rhc_4bYq0c2Zr8T1nLw9Xe5K',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  client_id?: string;

  @ApiPropertyOptional({
    description: 'Required unless sent with HTTP Basic authentication',
    example: 'rhs_...',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  client_secret?: string;

  @ApiPropertyOptional({
    description: "Space-separated subset of the client's scopes",
    example: 'read write',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  scope?: string;
}

export class TokenResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ij...' })
  access_token: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ example: 3600 })
  expires_in: number;

  @ApiProperty({ example: 'read write admin' })
  scope: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Warehouse export job', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ description: 'Defaults to the calling client', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  api_client_id?: string;

  @ApiPropertyOptional({ enum: SCOPES, isArray: true, example: ['read'] })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(SCOPES, { each: true })
  scopes?: Scope[];

  @ApiPropertyOptional({ format: 'date-time', example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  expires_at?: Date;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Warehouse export job' })
  name: string;

  @ApiProperty({
    example: 'rhk_Xy12AbCd34Ef',
    description: 'The public start of the key, to tell keys apart',
  })
  prefix: string;

  @ApiProperty({ format: 'uuid' })
  api_client_id: string;

  @ApiProperty({ enum: SCOPES, isArray: true })
  scopes: Scope[];

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  expires_at: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  revoked_at: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  last_used_at: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    description: 'The key itself. Shown only in this response: store it now.',
    example: 'rhk_Xy12AbCd34Ef_...',
  })
  api_key: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] })
  api_keys: ApiKeyDto[];

  @ApiProperty({ type: PaginationDto })
  pagination: PaginationDto;
}

export class WorkspaceDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'acme' })
  slug: string;

  @ApiProperty({ example: 'Acme Corp' })
  name: string;

  @ApiProperty({ enum: ['growth', 'enterprise'] })
  tier: string;

  @ApiProperty({ description: 'What the caller may do', enum: SCOPES, isArray: true })
  scopes: Scope[];

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}
