// The one place that reads the environment. Every setting is parsed once with zod;
// a bad value stops start-up with a message naming the setting.
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ms from 'ms';
import { z } from 'zod';

const DEFAULT_NOTICES = [
  '部分包含数学公式或PPT动画的文件，查看预览时可能会显示错乱或异常，文件下载后无此问题，请放心下载。',
  '本文档由用户上传，版权归属上传用户，本站负责整理代发布。如果您对本文档版权有争议请及时联系客服。',
  '下载前请仔细阅读文档内容，确认文档内容符合您的需求后进行下载，若出现内容与标题不符可向本站投诉处理。',
  '下载文档时可能由于网络波动等原因无法下载或下载错误，付费完成后未能成功下载的用户请联系客服处理。',
];

const share = z.coerce.number().min(0).max(1);
const positiveInt = z.coerce.number().int().positive();

const duration = z.string().transform((value, ctx) => {
  const parsed = ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 30s, 5m or 1h` });
    return z.NEVER;
  }
  return parsed;
});

// Like `duration`, but 0 is allowed (it turns the feature off).
const durationOrZero = z.string().transform((value, ctx) => {
  if (value.trim() === '0') return 0;
  const parsed = ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 500ms, 1s or 0 (off)` });
    return z.NEVER;
  }
  return parsed;
});

/** A PEM key (literal "\\n" allowed, as env files often carry it) or bare base64 DER. */
function parseKey(kind: 'private' | 'public') {
  return z.string().transform((value, ctx): KeyObject => {
    const text = value.replace(/\\n/g, '\n').trim();
    const attempts: Array<() => KeyObject> = text.includes('-----BEGIN')
      ? [() => (kind === 'private' ? createPrivateKey(text) : createPublicKey(text))]
      : (kind === 'private' ? (['pkcs8', 'pkcs1'] as const) : (['spki', 'pkcs1'] as const)).map(
          (type) => () =>
            kind === 'private'
              ? createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: type as 'pkcs8' | 'pkcs1' })
              : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: type as 'spki' | 'pkcs1' }),
        );
    for (const attempt of attempts) {
      try {
        const key = attempt();
        if (key.asymmetricKeyType === 'rsa') return key;
      } catch {
        // try the next encoding
      }
    }
    ctx.addIssue({ code: 'custom', message: `is not an RSA ${kind} key (PEM, or base64 DER)` });
    return z.NEVER;
  });
}

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not an IANA time zone such as Asia/Shanghai' },
);

export interface VipPlan {
  id: string;
  name: string;
  days: number;
  priceCents: number;
  downloadsPerDay: number;
}

/** What a VIP plan may be: the one rule for VIP_PLANS and for the admin page. */
export const VipPlanSchema = z.object({
  id: z.string({ error: '请填写套餐代码' }).regex(/^[a-z0-9_-]{1,32}$/, '套餐代码为 1–32 位小写字母、数字、- 或 _'),
  name: z.string({ error: '请填写套餐名称' }).trim().min(1, '请填写套餐名称').max(40, '套餐名称最多 40 个字'),
  days: z.number({ error: '天数须为 1–3660 的整数' }).int('天数须为 1–3660 的整数').min(1, '天数须为 1–3660 的整数').max(3660, '天数须为 1–3660 的整数'),
  priceCents: z.number({ error: '价格须在 ¥0.01 到 ¥1000000.00 之间' }).int('价格须为整数分').min(1, '价格须在 ¥0.01 到 ¥1000000.00 之间').max(100_000_000, '价格须在 ¥0.01 到 ¥1000000.00 之间'),
  downloadsPerDay: z.number({ error: '每天下载篇数须为 0–10000 的整数' }).int('每天下载篇数须为 0–10000 的整数').min(0, '每天下载篇数须为 0–10000 的整数').max(10_000, '每天下载篇数须为 0–10000 的整数'),
});

export const DEFAULT_VIP_PLANS: VipPlan[] = [
  { id: 'month', name: '月度会员', days: 30, priceCents: 2500, downloadsPerDay: 5 },
  { id: 'quarter', name: '季度会员', days: 90, priceCents: 6800, downloadsPerDay: 8 },
  { id: 'year', name: '年度会员', days: 365, priceCents: 19800, downloadsPerDay: 10 },
];

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.string().url().optional(),
    /**
     * A direct connection to the same database when DATABASE_URL goes through a transaction-pooling
     * pooler (pgbouncer): the status listener (LISTEN) and the migrator (advisory lock) need one
     * session of their own. Unset: DATABASE_URL is used for both.
     */
    DATABASE_DIRECT_URL: z.string().url().optional(),
    /** DATABASE_URL is a transaction pooler: no session state, statements never prepared by name. */
    DATABASE_POOLER: z.enum(['none', 'transaction']).default('none'),
    BLOB_STORE: z.enum(['local', 's3']).default('local'),
    S3_ENDPOINT: z.string().url().optional(),
    /** The endpoint put into presigned download URLs, when clients reach the store by another name. */
    S3_PUBLIC_ENDPOINT: z.string().url().optional(),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens)')
      .optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: flag.default(false),
    DATA_DIR: z.string().min(1).default('./data'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    ADMIN_EMAILS: z.string().default(''),
    PAYMENT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    MAX_UPLOAD_BYTES: positiveInt.default(50 * 1024 * 1024),
    AUTHOR_SHARE: share.default(0.7),
    REFERRAL_SHARE: share.default(0.1),
    /** The smallest withdrawal, in cents (issue 15). */
    PAYOUT_MIN_CENTS: positiveInt.default(10000),
    /** Days before a sale's shares may be withdrawn: the refund window (0: at once). */
    PAYOUT_HOLD_DAYS: z.coerce.number().int().min(0).max(365).default(7),
    /**
     * Review before publish (issue 15): off; new_uploaders (until three of a user's documents are
     * published); all. Converted documents that need review wait as pending_review for a moderator.
     */
    REVIEW_MODE: z.enum(['off', 'new_uploaders', 'all']).default('off'),
    DOWNLOAD_LINK_TTL: duration.prefault('5m'),
    SESSION_TTL: duration.prefault('7d'),
    /** How long this process may reuse an anonymous page or document response marked public (0: off). */
    RESPONSE_CACHE_TTL: durationOrZero.prefault('1s'),
    SOFFICE_PATH: z.string().optional(),
    RATE_LIMIT_SCALE: z.coerce.number().min(0).default(1),
    /**
     * Redis for many nodes (redis://host:6379): rate-limit counts shared by every node, and
     * cross-node invalidation of cached responses. Unset: both stay in this machine's memory.
     */
    REDIS_URL: z.string().url().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Run the conversion worker inside the web process (default) or only via `npm run worker`. */
    RUN_WORKER: flag.default(true),
    /**
     * HTTP server processes (node:cluster) sharing the port; needs DATABASE_URL (the embedded
     * database belongs to one process). Conversions run in the primary process.
     */
    WEB_CONCURRENCY: positiveInt.default(1),
    WORKER_CONCURRENCY: positiveInt.optional(),
    /** The development payment page; default on for the embedded database, always off in production. */
    DEV_PAYMENTS: flag.optional(),
    SITE_NAME: z.string().min(1).default('文库'),
    /** Faint text drawn into preview page images; unset: the site name; empty: none. */
    PREVIEW_WATERMARK: z.string().max(60).optional(),
    SITE_NOTICES: z
      .string()
      .transform((value, ctx) => {
        try {
          return z.array(z.string().min(1)).min(1).parse(JSON.parse(value));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON array of non-empty strings' });
          return z.NEVER;
        }
      })
      .optional(),
    SUPPORT_EMAIL: z.string().email().default('support@wenku.example'),
    SUPPORT_QQ: z.string().default('3074922707'),
    SUPPORT_PHONE: z.string().default('400-000-0000'),
    SUPPORT_HOURS: z.string().default('周一至周日 9:00–21:00'),
    PUBLIC_URL: z.string().url().optional(),
    /** Mail server for password resets and verification links; unset: mails are logged (and shown on /dev/outbox). */
    SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
    /**
     * Behind nginx: the internal location (e.g. /_files/) that serves DATA_DIR/blobs. Downloads are
     * then checked by the app and sent by nginx (X-Accel-Redirect, sendfile) instead of streamed by Node.
     */
    DOWNLOAD_ACCEL_PREFIX: z
      .string()
      .regex(/^\/[A-Za-z0-9_\-/]*\/$/, 'must be a path that starts and ends with /, such as /_files/')
      .optional(),
    /**
     * Slow clients (src/http/http-server.ts): a connection with no bytes either way for
     * HTTP_IDLE_TIMEOUT while a request is under way is closed (an upload's body too: no total
     * time for uploads, only this); headers must arrive within HTTP_HEADERS_TIMEOUT; a whole
     * request (body included) within HTTP_REQUEST_TIMEOUT, a last bound far above any real upload;
     * any other body (JSON, forms: at most 1 MiB) within HTTP_BODY_TIMEOUT; an idle keep-alive
     * connection is closed after HTTP_KEEP_ALIVE_TIMEOUT.
     */
    HTTP_IDLE_TIMEOUT: duration.prefault('30s'),
    HTTP_HEADERS_TIMEOUT: duration.prefault('20s'),
    HTTP_REQUEST_TIMEOUT: duration.prefault('1h'),
    HTTP_BODY_TIMEOUT: duration.prefault('30s'),
    HTTP_KEEP_ALIVE_TIMEOUT: duration.prefault('65s'),
    /**
     * Open connections one client address may hold (a trusted proxy's are not counted: nginx caps
     * its clients itself, limit_conn); past it a new connection is closed at once, so one client's
     * idle sockets cannot use up the process's file descriptors.
     */
    HTTP_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).default(128),
    /** Express "trust proxy": which hops may set X-Forwarded-For (rate limits key on the client IP). */
    TRUST_PROXY: z.string().default('loopback'),
    /** The zone every page shows times in and VIP members' days are counted in (the API always speaks UTC ISO). */
    TIMEZONE: timeZone.default('Asia/Shanghai'),
    VIP_PLANS: z
      .string()
      .transform((value, ctx) => {
        try {
          const plans = z.array(VipPlanSchema).min(1).parse(JSON.parse(value));
          if (new Set(plans.map((p) => p.id)).size !== plans.length) throw new Error('duplicate id');
          return plans;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {id, name, days, priceCents, downloadsPerDay} with distinct ids' });
          return z.NEVER;
        }
      })
      .optional(),
    ALIPAY_APP_ID: z.string().regex(/^\d{8,32}$/, 'must be the digits of the Alipay app id').optional(),
    ALIPAY_PRIVATE_KEY: parseKey('private').optional(),
    ALIPAY_PUBLIC_KEY: parseKey('public').optional(),
    ALIPAY_GATEWAY: z.string().url().default('https://openapi.alipay.com/gateway.do'),
    WECHAT_MCHID: z.string().regex(/^\d{8,32}$/, 'must be the digits of the merchant id').optional(),
    WECHAT_APPID: z.string().min(1).max(32).optional(),
    WECHAT_API_V3_KEY: z.string().refine((k) => Buffer.byteLength(k) === 32, 'must be the 32-character APIv3 key').optional(),
    WECHAT_SERIAL_NO: z.string().regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the merchant certificate serial number (hex)').optional(),
    WECHAT_PRIVATE_KEY: parseKey('private').optional(),
    WECHAT_PLATFORM_PUBLIC_KEY: parseKey('public').optional(),
    WECHAT_API_BASE: z.string().url().default('https://api.mch.weixin.qq.com'),
    /** Where `soffice` is looked for when SOFFICE_PATH is unset. */
    PATH: z.string().default(''),
  })
  .refine((env) => env.AUTHOR_SHARE + env.REFERRAL_SHARE <= 1, {
    message: 'AUTHOR_SHARE + REFERRAL_SHARE must not exceed 1',
    path: ['AUTHOR_SHARE'],
  })
  .refine((env) => env.DATABASE_POOLER !== 'transaction' || (env.DATABASE_URL && env.DATABASE_DIRECT_URL), {
    // LISTEN and the migrator's session lock would land on whichever server session is free.
    message: 'DATABASE_POOLER=transaction needs DATABASE_URL (the pooler) and DATABASE_DIRECT_URL (the server itself)',
    path: ['DATABASE_DIRECT_URL'],
  })
  .refine((env) => env.BLOB_STORE !== 's3' || env.S3_BUCKET, {
    message: 'BLOB_STORE=s3 needs S3_BUCKET',
    path: ['S3_BUCKET'],
  })
  .refine((env) => !env.S3_ACCESS_KEY_ID === !env.S3_SECRET_ACCESS_KEY, {
    message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together',
    path: ['S3_SECRET_ACCESS_KEY'],
  })
  .superRefine((env, ctx) => {
    // Share links, og: tags, mails and the providers' callbacks need the site's own address; it is
    // never guessed from a request's Host header, so production does not start without it.
    if (env.NODE_ENV === 'production' && !env.PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message: 'is required when NODE_ENV=production: set it to the site\'s public address (e.g. https://wenku.example.com); share links, og: tags, mails and payment callbacks are built from it, never from the Host header',
      });
    }
    // A provider is offered only when all its settings are there; half a configuration is a mistake.
    for (const [provider, names] of Object.entries(PROVIDER_SETTINGS)) {
      const given = names.filter((n) => env[n] !== undefined);
      if (given.length === 0) continue;
      for (const n of names.filter((n) => env[n] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [n], message: `is required when any of ${names.join(', ')} is set (${provider})` });
      }
      if (!env.PUBLIC_URL) ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: `is required for ${provider}: the provider calls back to it` });
    }
  });

const PROVIDER_SETTINGS = {
  alipay: ['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY'],
  wechat: ['WECHAT_MCHID', 'WECHAT_APPID', 'WECHAT_API_V3_KEY', 'WECHAT_SERIAL_NO', 'WECHAT_PRIVATE_KEY', 'WECHAT_PLATFORM_PUBLIC_KEY'],
} as const;

export interface AlipayConfig {
  appId: string;
  privateKey: KeyObject;
  alipayPublicKey: KeyObject;
  gateway: string;
}

export interface WechatPayConfig {
  mchid: string;
  appid: string;
  apiV3Key: string;
  serialNo: string;
  privateKey: KeyObject;
  platformPublicKey: KeyObject;
  apiBase: string;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string | undefined;
  /** Where LISTEN and the migrator connect: DATABASE_DIRECT_URL, else DATABASE_URL. */
  databaseDirectUrl: string | undefined;
  databasePooler: 'none' | 'transaction';
  dataDir: string;
  blobStore: BlobStoreConfig;
  jwtSecret: string;
  adminEmails: ReadonlySet<string>;
  paymentWebhookSecret: string;
  maxUploadBytes: number;
  authorShare: number;
  referralShare: number;
  payoutMinCents: number;
  /** PAYOUT_HOLD_DAYS in ms: a sale's shares settle (become withdrawable) this long after the sale. */
  payoutHoldMs: number;
  /** REVIEW_MODE: which converted documents wait for a moderator (src/moderation/review-policy.ts). */
  reviewMode: 'off' | 'new_uploaders' | 'all';
  downloadLinkTtlMs: number;
  sessionTtlMs: number;
  responseCacheTtlMs: number;
  sofficePath: string | undefined;
  /** The PATH to search for `soffice` when SOFFICE_PATH is not given. */
  executableSearchPath: string;
  rateLimitScale: number;
  redisUrl: string | undefined;
  logLevel: string;
  runWorker: boolean;
  webConcurrency: number;
  workerConcurrency: number | undefined;
  devPayments: boolean;
  site: {
    name: string;
    notices: string[];
    support: { email: string; qq: string; phone: string; hours: string };
  };
  publicUrl: string | undefined;
  smtpUrl: string | undefined;
  downloadAccelPrefix: string | null;
  trustProxy: string;
  http: { idleTimeoutMs: number; headersTimeoutMs: number; requestTimeoutMs: number; bodyTimeoutMs: number; keepAliveTimeoutMs: number; maxConnectionsPerIp: number };
  timezone: string;
  vipPlans: VipPlan[];
  /** Each provider is null unless all its settings are given. */
  payments: { alipay: AlipayConfig | null; wechat: WechatPayConfig | null };
  /** Drawn into page preview images ('' = none). */
  previewWatermark: string;
}

export type BlobStoreConfig =
  | { kind: 'local' }
  | {
      kind: 's3';
      endpoint: string | undefined;
      publicEndpoint: string | undefined;
      bucket: string;
      region: string;
      /** Unset: the SDK's default chain (environment, instance role). */
      credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
      forcePathStyle: boolean;
    };

export class ConfigError extends Error {}

/** Parses settings; throws ConfigError naming each bad setting. Does not touch the disk. */
export function parseConfig(env: NodeJS.ProcessEnv): Omit<Config, 'jwtSecret' | 'paymentWebhookSecret'> & {
  jwtSecret: string | undefined;
  paymentWebhookSecret: string | undefined;
} {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(settings)'}: ${issue.message}`);
    throw new ConfigError(`Invalid settings:\n${lines.join('\n')}`);
  }
  const e = result.data;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databaseDirectUrl: e.DATABASE_DIRECT_URL ?? e.DATABASE_URL,
    databasePooler: e.DATABASE_POOLER,
    dataDir: path.resolve(e.DATA_DIR),
    blobStore:
      e.BLOB_STORE === 's3'
        ? {
            kind: 's3',
            endpoint: e.S3_ENDPOINT,
            publicEndpoint: e.S3_PUBLIC_ENDPOINT,
            bucket: e.S3_BUCKET!,
            region: e.S3_REGION,
            credentials:
              e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
                ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
                : undefined,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
          }
        : { kind: 'local' },
    jwtSecret: e.JWT_SECRET,
    adminEmails: new Set(
      e.ADMIN_EMAILS.split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
    paymentWebhookSecret: e.PAYMENT_WEBHOOK_SECRET,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    authorShare: e.AUTHOR_SHARE,
    referralShare: e.REFERRAL_SHARE,
    payoutMinCents: e.PAYOUT_MIN_CENTS,
    payoutHoldMs: e.PAYOUT_HOLD_DAYS * 24 * 3600 * 1000,
    reviewMode: e.REVIEW_MODE,
    downloadLinkTtlMs: e.DOWNLOAD_LINK_TTL,
    sessionTtlMs: e.SESSION_TTL,
    responseCacheTtlMs: e.RESPONSE_CACHE_TTL,
    sofficePath: e.SOFFICE_PATH,
    executableSearchPath: e.PATH,
    rateLimitScale: e.RATE_LIMIT_SCALE,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    runWorker: e.RUN_WORKER,
    webConcurrency: e.WEB_CONCURRENCY,
    workerConcurrency: e.WORKER_CONCURRENCY,
    devPayments: e.NODE_ENV === 'production' ? false : (e.DEV_PAYMENTS ?? !e.DATABASE_URL),
    site: {
      name: e.SITE_NAME,
      notices: e.SITE_NOTICES ?? DEFAULT_NOTICES,
      support: { email: e.SUPPORT_EMAIL, qq: e.SUPPORT_QQ, phone: e.SUPPORT_PHONE, hours: e.SUPPORT_HOURS },
    },
    publicUrl: e.PUBLIC_URL,
    smtpUrl: e.SMTP_URL,
    downloadAccelPrefix: e.DOWNLOAD_ACCEL_PREFIX ?? null,
    trustProxy: e.TRUST_PROXY,
    http: {
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT,
      bodyTimeoutMs: e.HTTP_BODY_TIMEOUT,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT,
      maxConnectionsPerIp: e.HTTP_MAX_CONNECTIONS_PER_IP,
    },
    timezone: e.TIMEZONE,
    vipPlans: e.VIP_PLANS ?? DEFAULT_VIP_PLANS,
    payments: {
      alipay:
        e.ALIPAY_APP_ID && e.ALIPAY_PRIVATE_KEY && e.ALIPAY_PUBLIC_KEY
          ? { appId: e.ALIPAY_APP_ID, privateKey: e.ALIPAY_PRIVATE_KEY, alipayPublicKey: e.ALIPAY_PUBLIC_KEY, gateway: e.ALIPAY_GATEWAY }
          : null,
      wechat:
        e.WECHAT_MCHID && e.WECHAT_APPID && e.WECHAT_API_V3_KEY && e.WECHAT_SERIAL_NO && e.WECHAT_PRIVATE_KEY && e.WECHAT_PLATFORM_PUBLIC_KEY
          ? {
              mchid: e.WECHAT_MCHID,
              appid: e.WECHAT_APPID,
              apiV3Key: e.WECHAT_API_V3_KEY,
              serialNo: e.WECHAT_SERIAL_NO.toUpperCase(),
              privateKey: e.WECHAT_PRIVATE_KEY,
              platformPublicKey: e.WECHAT_PLATFORM_PUBLIC_KEY,
              apiBase: e.WECHAT_API_BASE.replace(/\/$/, ''),
            }
          : null,
    },
    previewWatermark: e.PREVIEW_WATERMARK ?? e.SITE_NAME,
  };
}

/** What start-up reads: every setting; the secrets only when given (else generated, see below). */
export type Settings = ReturnType<typeof parseConfig>;

/** Secrets kept in DATA_DIR/secrets.json by an earlier start, if any. */
export function storedFileSecrets(dataDir: string): { jwtSecret?: string; paymentWebhookSecret?: string } {
  const file = path.join(dataDir, 'secrets.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret?: string; paymentWebhookSecret?: string }) : {};
}

/**
 * With the embedded database, secrets that were not given are generated once and kept in
 * DATA_DIR/secrets.json (mode 0600), so tokens and webhook signatures survive restarts without a
 * hard-coded default. (With DATABASE_URL they live in the database: settings/generated-secrets.ts.)
 */
function resolveSecrets(dataDir: string, given: { jwtSecret?: string; paymentWebhookSecret?: string }) {
  const stored: Record<string, string> = storedFileSecrets(dataDir);
  const jwtSecret = given.jwtSecret ?? stored.jwtSecret ?? randomBytes(48).toString('base64url');
  const paymentWebhookSecret =
    given.paymentWebhookSecret ?? stored.paymentWebhookSecret ?? randomBytes(32).toString('base64url');
  if (stored.jwtSecret !== jwtSecret && !given.jwtSecret) stored.jwtSecret = jwtSecret;
  if (stored.paymentWebhookSecret !== paymentWebhookSecret && !given.paymentWebhookSecret) {
    stored.paymentWebhookSecret = paymentWebhookSecret;
  }
  if (!given.jwtSecret || !given.paymentWebhookSecret) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return { jwtSecret, paymentWebhookSecret };
}

/**
 * Reads process.env (or the given env) and creates DATA_DIR. With the embedded database the
 * generated secrets are filled in from DATA_DIR; with DATABASE_URL, buildDeps fills them in from
 * the database.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = parseConfig(env);
  mkdirSync(parsed.dataDir, { recursive: true });
  if (parsed.databaseUrl) return parsed;
  return { ...parsed, ...resolveSecrets(parsed.dataDir, { jwtSecret: parsed.jwtSecret, paymentWebhookSecret: parsed.paymentWebhookSecret }) };
}
