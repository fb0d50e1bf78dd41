import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from './config.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'wenku-config-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('settings', () => {
  it('when nothing is set, then the contract defaults apply', () => {
    const c = parseConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.maxUploadBytes).toBe(50 * 1024 * 1024);
    expect(c.authorShare).toBe(0.7);
    expect(c.referralShare).toBe(0.1);
    expect(c.downloadLinkTtlMs).toBe(5 * 60_000);
    expect(c.rateLimitScale).toBe(1);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.site.notices).toHaveLength(4);
    expect(c.devPayments).toBe(true); // embedded database, not production
    expect(c.reviewMode).toBe('off');
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'not a url'],
    ['MAX_UPLOAD_BYTES', '-5'],
    ['MAX_UPLOAD_BYTES', '1.5'],
    ['AUTHOR_SHARE', '1.5'],
    ['REFERRAL_SHARE', 'abc'],
    ['DOWNLOAD_LINK_TTL', 'soon'],
    ['RATE_LIMIT_SCALE', '-1'],
    ['JWT_SECRET', 'short'],
    ['NODE_ENV', 'staging'],
    ['SITE_NOTICES', '["ok", 3]'],
    ['REVIEW_MODE', 'sometimes'],
  ])('when %s is %j, then start-up stops with a message naming it', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('when nothing about storage or pooling is set, then files stay local and the database URL is used directly', () => {
    const c = parseConfig({ DATABASE_URL: 'postgres://u@db:5432/w' });
    expect(c.blobStore).toEqual({ kind: 'local' });
    expect(c.databasePooler).toBe('none');
    expect(c.databaseDirectUrl).toBe('postgres://u@db:5432/w');
  });

  it('when BLOB_STORE=s3 is set with its settings, then they are parsed into the store settings', () => {
    const c = parseConfig({
      BLOB_STORE: 's3',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'wenku',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_FORCE_PATH_STYLE: 'true',
      DATABASE_URL: 'postgres://u@pgbouncer:6432/w',
      DATABASE_DIRECT_URL: 'postgres://u@db:5432/w',
      DATABASE_POOLER: 'transaction',
    });
    expect(c.blobStore).toEqual({
      kind: 's3',
      endpoint: 'http://minio:9000',
      publicEndpoint: undefined,
      bucket: 'wenku',
      region: 'us-east-1',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
      forcePathStyle: true,
    });
    expect(c.databaseDirectUrl).toBe('postgres://u@db:5432/w');
    expect(c.databasePooler).toBe('transaction');
  });

  it.each([
    [{ BLOB_STORE: 's3' }, /S3_BUCKET/],
    [{ BLOB_STORE: 'ftp' }, /BLOB_STORE/],
    [{ BLOB_STORE: 's3', S3_BUCKET: 'Bad_Bucket' }, /S3_BUCKET/],
    [{ BLOB_STORE: 's3', S3_BUCKET: 'wenku', S3_ACCESS_KEY_ID: 'only-the-id' }, /S3_SECRET_ACCESS_KEY/],
    [{ DATABASE_POOLER: 'session' }, /DATABASE_POOLER/],
    [{ DATABASE_POOLER: 'transaction', DATABASE_URL: 'postgres://u@pgbouncer:6432/w' }, /DATABASE_DIRECT_URL/],
  ])('when storage or pooler settings are %j, then start-up stops naming the setting', (env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });

  it('when NODE_ENV=production and PUBLIC_URL is not set, then start-up stops with a message naming PUBLIC_URL; with it, absolute links use it', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/PUBLIC_URL: is required when NODE_ENV=production/);
    expect(parseConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://wenku.example.com' }).publicUrl).toBe('https://wenku.example.com');
    // Development and tests may go without it (links stay relative).
    expect(parseConfig({ NODE_ENV: 'development' }).publicUrl).toBeUndefined();
  });

  it('when the shares add up to more than 1, then it is rejected', () => {
    expect(() => parseConfig({ AUTHOR_SHARE: '0.95', REFERRAL_SHARE: '0.1' })).toThrow(/AUTHOR_SHARE/);
  });

  it('when values are given, then they are parsed into their types', () => {
    const c = parseConfig({ PORT: '8080', DOWNLOAD_LINK_TTL: '30s', ADMIN_EMAILS: ' A@x.com, b@y.com ,', RATE_LIMIT_SCALE: '0', NODE_ENV: 'production', PUBLIC_URL: 'https://wenku.example.com' });
    expect(c.port).toBe(8080);
    expect(c.downloadLinkTtlMs).toBe(30_000);
    expect([...c.adminEmails]).toEqual(['a@x.com', 'b@y.com']);
    expect(c.rateLimitScale).toBe(0);
    expect(c.devPayments).toBe(false);
    expect(parseConfig({ REVIEW_MODE: 'new_uploaders' }).reviewMode).toBe('new_uploaders');
  });

  it('when secrets are not given, then they are generated once, kept in DATA_DIR and reused', () => {
    const dir = tempDir();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.jwtSecret!.length).toBeGreaterThanOrEqual(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.paymentWebhookSecret).toBe(first.paymentWebhookSecret);
    const file = path.join(dir, 'secrets.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).jwtSecret).toBe(first.jwtSecret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const other = loadConfig({ DATA_DIR: tempDir() });
    expect(other.jwtSecret).not.toBe(first.jwtSecret);
  });

  it('when a secret is given, then it wins over the stored one', () => {
    const dir = tempDir();
    loadConfig({ DATA_DIR: dir });
    const given = 'x'.repeat(40);
    expect(loadConfig({ DATA_DIR: dir, JWT_SECRET: given }).jwtSecret).toBe(given);
  });
});
