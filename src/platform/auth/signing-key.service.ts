import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
} from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EncryptionService } from '../crypto/encryption.service';
import { SigningKey } from './signing-key.entity';

export const TOKEN_ALGORITHM = 'ES256';

interface ActiveKey {
  kid: string;
  privateKeyPem: string;
}

const kidOf = (publicKey: KeyObject) =>
  createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url')
    .slice(0, 22);

/**
 * ES256 token signing keys. JWT_PRIVATE_KEY wins when set; otherwise a key pair is generated on the
 * first start and stored (private half encrypted), so every instance and every restart share it.
 * Verification finds keys by `kid`, so tokens signed before a rotation stay valid until they expire.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeyService.name);
  private active: ActiveKey;
  /** PEM public keys by kid (for the JWK set) and their parsed KeyObjects (for verification). */
  private readonly publicKeys = new Map<string, string>();
  private readonly verificationKeys = new Map<string, KeyObject>();

  constructor(
    private readonly config: AppConfig,
    private readonly encryption: EncryptionService,
    @InjectRepository(SigningKey) private readonly keys: Repository<SigningKey>,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.JWT_PRIVATE_KEY) {
      const privateKey = createPrivateKey(this.config.JWT_PRIVATE_KEY);
      if (
        privateKey.asymmetricKeyType !== 'ec' ||
        privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
      ) {
        throw new Error(
          'JWT_PRIVATE_KEY must be an EC P-256 key (openssl ecparam -name prime256v1 -genkey -noout)',
        );
      }
      const publicKey = createPublicKey(privateKey);
      this.active = {
        kid: kidOf(publicKey),
        privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
      this.publicKeys.set(
        this.active.kid,
        publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
      return;
    }
    const stored = (await this.newestStored()) ?? (await this.generate());
    let privateKeyPem: string;
    try {
      privateKeyPem = this.encryption.decrypt(stored.privateKeyEncrypted);
    } catch {
      throw new Error(
        `The stored token signing key ${stored.kid} cannot be decrypted: ENCRYPTION_KEY differs from the one it was stored with.`,
      );
    }
    this.active = { kid: stored.kid, privateKeyPem };
    this.publicKeys.set(stored.kid, stored.publicKey);
  }

  get signingKey(): ActiveKey {
    return this.active;
  }

  /**
   * The public key for a kid, parsed once (parsing a PEM costs more than verifying a signature),
   * or undefined for a key we never issued or have retired.
   */
  async publicKey(kid: string): Promise<KeyObject | undefined> {
    const cached = this.verificationKeys.get(kid);
    if (cached) return cached;
    let pem = this.publicKeys.get(kid);
    if (!pem) {
      if (this.config.JWT_PRIVATE_KEY || kid.length > 64) return undefined;
      const row = await this.keys.findOneBy({ kid, retiredAt: IsNull() });
      if (!row) return undefined;
      pem = row.publicKey;
      this.publicKeys.set(kid, pem);
    }
    const key = createPublicKey(pem);
    this.verificationKeys.set(kid, key);
    return key;
  }

  /** Public keys as a JWK set, for receivers that verify our tokens themselves. */
  async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
    const rows = this.config.JWT_PRIVATE_KEY
      ? [...this.publicKeys.entries()].map(([kid, publicKey]) => ({ kid, publicKey }))
      : await this.keys.find({ where: { retiredAt: IsNull() } });
    return {
      keys: rows.map((r) => ({
        ...createPublicKey(r.publicKey).export({ format: 'jwk' }),
        kid: r.kid,
        alg: TOKEN_ALGORITHM,
        use: 'sig',
      })),
    };
  }

  private newestStored(): Promise<SigningKey | null> {
    return this.keys.findOne({ where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  private async generate(): Promise<SigningKey> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const kid = kidOf(publicKey);
    await this.keys.insert({
      kid,
      algorithm: TOKEN_ALGORITHM,
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKeyEncrypted: this.encryption.encrypt(
        privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ),
    });
    this.logger.log(`Generated token signing key ${kid}`);
    return this.keys.findOneByOrFail({ kid });
  }
}
