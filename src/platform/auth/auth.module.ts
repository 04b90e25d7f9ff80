import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { ApiClient } from './api-client.entity';
import { ApiKey } from './api-key.entity';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysController } from './api-keys.controller';
import { AuthenticationGuard } from './authentication.guard';
import { AuthorizationGuard } from './authorization.guard';
import { CredentialsService } from './credentials.service';
import { JwtStrategy } from './jwt.strategy';
import { SigningKey } from './signing-key.entity';
import { SigningKeyService } from './signing-key.service';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

/**
 * Authentication (OAuth client credentials, JWT, API keys), rate limits and authorization.
 * The three global guards run in this order on every request: who is calling, may they call this
 * often, may they call this route.
 */
@Module({
  imports: [
    PassportModule,
    JwtModule.register({}),
    TypeOrmModule.forFeature([ApiClient, ApiKey, SigningKey]),
  ],
  controllers: [TokenController, ApiKeysController],
  providers: [
    SigningKeyService,
    CredentialsService,
    TokenService,
    JwtStrategy,
    ApiKeyStrategy,
    RateLimitService,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
  exports: [CredentialsService, RateLimitService],
})
export class AuthModule {}
