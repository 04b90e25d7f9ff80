import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** limit (1-100, default 50) and offset, as the API document's list endpoints take them. */
export class PageQueryDto {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 50;

  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset = 0;
}

/** The API document's pagination block. */
export class PaginationDto {
  @ApiProperty({ example: 15 })
  total: number;

  @ApiProperty({ example: 50 })
  limit: number;

  @ApiProperty({ example: 0 })
  offset: number;

  @ApiProperty({ example: false })
  has_more: boolean;
}

export function pagination(
  total: number,
  limit: number,
  offset: number,
  returned: number,
): PaginationDto {
  return { total, limit, offset, has_more: offset + returned < total };
}
