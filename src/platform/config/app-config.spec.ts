import { ConfigValidationError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('runs with no environment at all, on the embedded database', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATA_DIR).toBe('./data');
    expect(config.usesEmbeddedDatabase).toBe(true);
    expect(config.DEMO_DATA).toBeUndefined();
  });

  it('converts numbers and booleans from strings', () => {
    const config = loadConfig({
      PORT: '8080',
      TRUST_PROXY: 'true',
      JOBS_ENABLED: '0',
      DEMO_DATA: 'yes',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      TRUST_PROXY: true,
      JOBS_ENABLED: false,
      DEMO_DATA: true,
    });
  });

  it('fails fast with one readable message listing every problem', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        ENCRYPTION_KEY: 'short',
        BOOTSTRAP_CLIENT_ID: 'ok-client',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid environment variables:/);
    expect(message).toContain('PORT must');
    expect(message).toContain('DATABASE_URL must start with postgres://');
    expect(message).toContain('ENCRYPTION_KEY must be 32 bytes');
    expect(message).toContain(
      'BOOTSTRAP_CLIENT_SECRET is required when BOOTSTRAP_CLIENT_ID is set',
    );
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ SOMETHING_ELSE: 'x', PATH: '/bin' })).not.toThrow();
  });
});
