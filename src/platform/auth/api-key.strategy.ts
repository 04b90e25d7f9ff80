import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { Principal } from './auth.types';
import { CredentialsService } from './credentials.service';

@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'api-key') {
  constructor(private readonly credentials: CredentialsService) {
    super({ header: 'X-API-Key', prefix: '' }, false);
  }

  async validate(apiKey: string): Promise<Principal | false> {
    return (await this.credentials.authenticateApiKey(apiKey)) ?? false;
  }
}
