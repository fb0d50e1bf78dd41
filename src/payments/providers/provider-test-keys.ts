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
  /** Every request, with whether its merchant signature was valid (when the stand-in knows the merchant's public key). */
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string; signatureValid: boolean | null }>;
  /** What the next answer is: signed with the platform key (default), unsigned, or an error. */
  mode: 'ok' | 'unsigned' | 'error';
  /** The notifications the H5 cashier sent (the buyer paid there), with our answer's status. */
  notified: Array<{ outTradeNo: string; status: number }>;
  /** The trade numbers closed (关闭订单). */
  closed: string[];
  close(): Promise<void>;
}

interface WechatStandInOptions {
  /** Checks each request's Authorization signature (WECHATPAY2-SHA256-RSA2048) under it. */
  merchantPublicKey?: KeyObject;
  /** The H5 cashier's 确认支付 sends a payment notification encrypted with it. */
  apiV3Key?: string;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body>${body}</body></html>`;

/**
 * A loopback stand-in for api.mch.weixin.qq.com: answers Native orders (code_url) and H5 orders
 * (h5_url: its own cashier page) and closes orders (204), every answer signed by the platform key.
 * With the merchant's public key it checks our signatures (`METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n`).
 * Its H5 cashier (GET /h5pay) has a 确认支付 button that sends the signed, encrypted SUCCESS
 * notification to the order's notify_url and then follows redirect_url back, as WeChat does.
 */
export async function startFakeWechatServer(platformKey: KeyObject, options: WechatStandInOptions = {}): Promise<FakeWechatServer> {
  const state: FakeWechatServer = { url: '', requests: [], mode: 'ok', notified: [], closed: [], close: async () => {} };
  const orders = new Map<string, { appid: string; mchid: string; out_trade_no: string; notify_url: string; amount: { total: number } }>();
  const signed = (status: number, answer: string, res: import('node:http').ServerResponse) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce };
    if (state.mode === 'ok') headers['wechatpay-signature'] = wechatSign(platformKey, [timestamp, nonce, answer]);
    res.writeHead(status, headers).end(answer);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url!, 'http://wechat');
        if (req.method === 'GET' && url.pathname === '/h5pay') {
          const order = orders.get(url.searchParams.get('prepay_id') ?? '');
          if (!order) return res.writeHead(404).end();
          const action = `/h5pay/confirm?prepay_id=${encodeURIComponent(order.out_trade_no)}&redirect_url=${encodeURIComponent(url.searchParams.get('redirect_url') ?? '')}`;
          return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
            page('微信支付', `<main><h1>微信支付</h1><p>¥${(order.amount.total / 100).toFixed(2)}</p><form method="post" action="${action}"><button type="submit">确认支付</button></form></main>`),
          );
        }
        if (req.method === 'POST' && url.pathname === '/h5pay/confirm') {
          const order = orders.get(url.searchParams.get('prepay_id') ?? '');
          if (!order || !options.apiV3Key) return res.writeHead(404).end();
          const notice = JSON.stringify({
            id: randomBytes(8).toString('hex'), event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource',
            resource: wechatEncrypt(options.apiV3Key, {
              appid: order.appid, mchid: order.mchid, out_trade_no: order.out_trade_no, transaction_id: `42000${randomBytes(6).toString('hex')}`,
              trade_type: 'MWEB', trade_state: 'SUCCESS', amount: { total: order.amount.total, payer_total: order.amount.total, currency: 'CNY' },
            }),
          });
          const timestamp = String(Math.floor(Date.now() / 1000));
          const nonce = randomBytes(8).toString('hex');
          const answer = await fetch(order.notify_url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-signature': wechatSign(platformKey, [timestamp, nonce, notice]), 'wechatpay-serial': 'PUB_KEY_ID_TEST' },
            body: notice,
          });
          state.notified.push({ outTradeNo: order.out_trade_no, status: answer.status });
          return res.writeHead(303, { location: url.searchParams.get('redirect_url') || '/' }).end();
        }
        let signatureValid: boolean | null = null;
        if (options.merchantPublicKey) {
          const auth = /^WECHATPAY2-SHA256-RSA2048 (.*)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
          const fields = Object.fromEntries([...auth.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
          signatureValid = Boolean(fields.signature) && createVerify('RSA-SHA256')
            .update([req.method!, req.url!, fields.timestamp ?? '', fields.nonce_str ?? '', body].map((l) => `${l}\n`).join(''))
            .verify(options.merchantPublicKey, fields.signature ?? '', 'base64');
        }
        state.requests.push({ method: req.method!, path: req.url!, headers: req.headers, body, signatureValid });
        if (state.mode === 'error') {
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"SYSTEM_ERROR","message":"系统错误"}');
          return;
        }
        if (signatureValid === false) return signed(401, '{"code":"SIGN_ERROR","message":"签名错误"}', res);
        const closeMatch = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(url.pathname);
        if (closeMatch) {
          state.closed.push(decodeURIComponent(closeMatch[1]!));
          return signed(204, '', res);
        }
        const order = JSON.parse(body) as { appid: string; mchid: string; out_trade_no: string; notify_url: string; amount: { total: number } };
        if (url.pathname === '/v3/pay/transactions/h5') {
          orders.set(order.out_trade_no, order);
          return signed(200, JSON.stringify({ h5_url: `${state.url}/h5pay?prepay_id=${encodeURIComponent(order.out_trade_no)}&package=2150917749` }), res);
        }
        signed(200, JSON.stringify({ code_url: `weixin://wxpay/bizpayurl?pr=${order.out_trade_no}` }), res);
      })().catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return state;
}

export interface FakeAlipayGateway {
  /** The gateway URL (ALIPAY_GATEWAY). */
  url: string;
  /** Each request's parameters (URL and form body together) and whether its RSA2 signature was valid under the app key. */
  requests: Array<{ params: Record<string, string>; signatureValid: boolean }>;
  /** The next answers: signed with Alipay's key (default), signed with another key, or an HTTP error. */
  mode: 'ok' | 'forged' | 'error';
  /** The trade numbers closed (alipay.trade.close with a valid signature). */
  closed: string[];
  /** The notifications the wap cashier sent (the buyer paid there), with our answer. */
  notified: Array<{ outTradeNo: string; status: number; text: string }>;
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
  const state: FakeAlipayGateway = { url: '', requests: [], mode: 'ok', closed: [], notified: [], close: async () => {} };
  const wapTrades = new Map<string, Record<string, string>>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url!, 'http://gateway').pathname;
      if (req.method === 'POST' && path.endsWith('/wap-confirm')) {
        void payWapTrade(new URL(req.url!, 'http://gateway').searchParams.get('trade') ?? '', res);
        return;
      }
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
      const biz = JSON.parse(params.biz_content ?? '{}') as { out_trade_no?: string; total_amount?: string };
      if (params.method === 'alipay.trade.wap.pay') {
        // The buyer's browser opened the wap-pay URL: Alipay's cashier, or its refusal of a bad signature.
        if (!signatureValid) return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('支付宝', '<p>验签出错 (isv.invalid-signature)</p>'));
        wapTrades.set(biz.out_trade_no!, params);
        return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
          page('支付宝', `<main><h1>支付宝</h1><p>¥${biz.total_amount}</p><form method="post" action="${path}/wap-confirm?trade=${encodeURIComponent(biz.out_trade_no!)}"><button type="submit">确认付款</button></form></main>`),
        );
      }
      if (params.method === 'alipay.trade.close' && signatureValid) state.closed.push(biz.out_trade_no!);
      const responseKey = `${(params.method ?? '').replaceAll('.', '_')}_response`;
      const inner = JSON.stringify(
        !signatureValid
          ? { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: '验签出错' }
          : params.method === 'alipay.trade.close'
            ? { code: '10000', msg: 'Success', out_trade_no: biz.out_trade_no, trade_no: `2026120822001${randomBytes(4).toString('hex')}` }
          : params.method !== 'alipay.trade.precreate'
            ? { code: '40004', msg: 'Business Failed', sub_code: 'ACQ.UNSUPPORTED' }
            : { code: '10000', msg: 'Success', out_trade_no: biz.out_trade_no, qr_code: `https://qr.alipay.com/bax0${randomBytes(8).toString('hex')}` },
      );
      const sign = createSign('RSA-SHA256').update(inner).sign(state.mode === 'forged' ? forger : alipayPrivateKey, 'base64');
      res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' }).end(`{"${responseKey}":${inner},"sign":"${sign}"}`);
    });
  });
  // 确认付款 on the wap cashier: Alipay's signed TRADE_SUCCESS notification to notify_url, then back to return_url.
  async function payWapTrade(tradeNo: string, res: import('node:http').ServerResponse) {
    const trade = wapTrades.get(tradeNo);
    if (!trade) return res.writeHead(404).end();
    const biz = JSON.parse(trade.biz_content!) as { total_amount: string };
    const notice: Record<string, string> = {
      notify_time: '2026-12-08 00:00:00', notify_type: 'trade_status_sync', notify_id: randomBytes(12).toString('hex'), app_id: trade.app_id!,
      charset: 'utf-8', version: '1.0', sign_type: 'RSA2', trade_no: `2026120822001${randomBytes(6).toString('hex')}`, out_trade_no: tradeNo,
      trade_status: 'TRADE_SUCCESS', total_amount: biz.total_amount, receipt_amount: biz.total_amount,
    };
    const answer = await fetch(trade.notify_url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ ...notice, sign: alipaySign(alipayPrivateKey, notice) }).toString(),
    });
    state.notified.push({ outTradeNo: tradeNo, status: answer.status, text: await answer.text() });
    res.writeHead(303, { location: trade.return_url! }).end();
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
