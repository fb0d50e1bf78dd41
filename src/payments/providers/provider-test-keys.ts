// Test keys and signing exactly as the providers document it, for the provider tests. The tests
// play Alipay and WeChat Pay: they hold the providers' private keys; the app gets the public ones.
import { createCipheriv, createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function rsaPair(): { privateKey: KeyObject; publicKey: KeyObject; privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Alipay's notification signature: the parameters except sign and sign_type, sorted, key=value&…, RSA2. */
export function alipaySign(privateKey: KeyObject, params: Record<string, string>): string {
  const content = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createSign('RSA-SHA256').update(content).sign(privateKey, 'base64');
}

/** WeChat's message signature: SHA256withRSA over each line followed by \n, base64. */
export function wechatSign(privateKey: KeyObject, lines: string[]): string {
  return createSign('RSA-SHA256').update(lines.map((l) => `${l}\n`).join('')).sign(privateKey, 'base64');
}

/** A notification's resource, AES-256-GCM under the APIv3 key, as WeChat sends it. */
export function wechatEncrypt(apiV3Key: string, plain: object, associatedData = 'transaction') {
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext: data.toString('base64'), associated_data: associatedData, original_type: 'transaction', nonce };
}

export interface FakeWechatServer {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  /** What the next answer is: signed with the platform key (default), unsigned, or an error. */
  mode: 'ok' | 'unsigned' | 'error';
  close(): Promise<void>;
}

/** A loopback stand-in for api.mch.weixin.qq.com that answers Native orders, signed by the platform key. */
export async function startFakeWechatServer(platformKey: KeyObject): Promise<FakeWechatServer> {
  const state: FakeWechatServer = { url: '', requests: [], mode: 'ok', close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      if (state.mode === 'error') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"SYSTEM_ERROR","message":"系统错误"}');
        return;
      }
      const { out_trade_no: tradeNo } = JSON.parse(body) as { out_trade_no: string };
      const answer = JSON.stringify({ code_url: `weixin://wxpay/bizpayurl?pr=${tradeNo}` });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(8).toString('hex');
      const headers: Record<string, string> = { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce };
      if (state.mode === 'ok') headers['wechatpay-signature'] = wechatSign(platformKey, [timestamp, nonce, answer]);
      res.writeHead(200, headers).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

export interface FakeAlipayGateway {
  /** The gateway URL (ALIPAY_GATEWAY). */
  url: string;
  /** Each request's parameters (URL and form body together) and whether its RSA2 signature was valid under the app key. */
  requests: Array<{ params: Record<string, string>; signatureValid: boolean }>;
  /** The next answers: signed with Alipay's key (default), signed with another key, or an HTTP error. */
  mode: 'ok' | 'forged' | 'error';
  close(): Promise<void>;
}

/**
 * A loopback stand-in for openapi.alipay.com/gateway.do that answers alipay.trade.precreate as
 * Alipay documents it: it checks the request's RSA2 signature under the app's public key (every
 * parameter but sign, sorted, key=value&…), refuses a bad one with isv.invalid-signature, and signs
 * its answer — the JSON text of alipay_trade_precreate_response — with Alipay's private key.
 */
export async function startFakeAlipayGateway(appPublicKey: KeyObject, alipayPrivateKey: KeyObject): Promise<FakeAlipayGateway> {
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const state: FakeAlipayGateway = { url: '', requests: [], mode: 'ok', close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params: Record<string, string> = {
        ...Object.fromEntries(new URL(req.url!, 'http://gateway').searchParams),
        ...Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
      };
      const content = Object.keys(params).filter((k) => k !== 'sign').sort().map((k) => `${k}=${params[k]}`).join('&');
      let signatureValid = false;
      try {
        signatureValid = createVerify('RSA-SHA256').update(content).verify(appPublicKey, params.sign ?? '', 'base64');
      } catch {
        signatureValid = false;
      }
      state.requests.push({ params, signatureValid });
      if (state.mode === 'error') {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
        return;
      }
      const biz = JSON.parse(params.biz_content ?? '{}') as { out_trade_no?: string };
      const responseKey = `${(params.method ?? '').replaceAll('.', '_')}_response`;
      const inner = JSON.stringify(
        !signatureValid
          ? { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错' }
          : params.method !== 'alipay.trade.precreate'
            ? { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.UNSUPPORTED' }
            : { code: '10000', msg: 'Success', out_trade_no: biz.out_trade_no, qr_code: `https://qr.alipay.com/bax0${randomBytes(8).toString('hex')}` },
      );
      const sign = createSign('RSA-SHA256').update(inner).sign(state.mode === 'forged' ? forger : alipayPrivateKey, 'base64');
      res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' }).end(`{"${responseKey}":${inner},"sign":"${sign}"}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
