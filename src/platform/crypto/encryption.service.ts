import { Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig } from '../config/app-config';

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets kept at rest (signing keys, CRM credentials, webhook secrets).
 * The key is ENCRYPTION_KEY, or one generated once into DATA_DIR for a local installation.
 */
@Injectable()
export class EncryptionService {
  private readonly logger = new Logger(EncryptionService.name);
  private readonly key: Buffer;

  constructor(config: AppConfig) {
    this.key = config.ENCRYPTION_KEY
      ? Buffer.from(config.ENCRYPTION_KEY, 'base64')
      : this.localKey(config);
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      body.toString('base64'),
    ].join(':');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) {
      throw new Error('Not a value sealed by this service');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }

  private localKey(config: AppConfig): Buffer {
    if (config.DATA_DIR.startsWith('memory://')) return randomBytes(32);
    const dir = resolve(config.DATA_DIR);
    const path = join(dir, 'encryption.key');
    if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    mkdirSync(dir, { recursive: true });
    const key = randomBytes(32);
    writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    if (config.DATABASE_URL) {
      this.logger.warn(
        `No ENCRYPTION_KEY set: generated one in ${path}. Every instance sharing this database needs the same key: set ENCRYPTION_KEY.`,
      );
    }
    return key;
  }
}
