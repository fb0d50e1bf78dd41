// Issue 14 item 5: input that used to reach the generic 500 handler is the client's fault → 400.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { uploadTempDir } from '../documents/upload-storage.js';

let ctx: TestContext;
let token: string;
let userId: number;
beforeAll(async () => {
  ctx = await createTestContext();
  const u = await registerUser(ctx);
  token = u.token;
  userId = u.user.id;
});
afterAll(async () => ctx.close());

const BOUNDARY = 'xXbOuNdArYxX';
const multipart = (body: string) =>
  ctx.http().post('/api/v1/documents').set('authorization', `Bearer ${token}`)
    .set('content-type', `multipart/form-data; boundary=${BOUNDARY}`).send(Buffer.from(body, 'binary'));
const count = async (sql: string, values: unknown[] = []) =>
  (await ctx.deps.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, values)).rows[0]!.n;
const tempFiles = () => {
  try {
    return readdirSync(uploadTempDir(ctx.deps.config));
  } catch {
    return [];
  }
};

function expectValidationFailed(res: { status: number; body: { error?: { code: string; message: string } } }) {
  expect(res.status).toBe(400);
  expect(res.body.error?.code).toBe('validation_failed');
  expect(JSON.stringify(res.body)).not.toMatch(/busboy|stack|\.js:|\.ts:|Malformed part header|Unexpected end/);
}

describe('broken multipart uploads', () => {
  it.each([
    ['a NUL byte in a part header', `--${BOUNDARY}\r\nContent-Disposition: form-data; name="fi\0le"; filename="a.doc"\r\n\r\nabc\r\n--${BOUNDARY}--\r\n`],
    ['a part header cut off', `--${BOUNDARY}\r\nContent-Disposition: form-da`],
    ['a file part cut off before the closing boundary', `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.doc"\r\n\r\n\xd0\xcf\x11\xe0 partial`],
    ['a text part cut off', `--${BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nabc`],
  ])('when the body has %s, then 400 validation_failed, no document and no temporary file', async (_what, body) => {
    const before = await count('documents WHERE uploader_id = $1', [userId]);
    expectValidationFailed(await multipart(body));
    expect(await count('documents WHERE uploader_id = $1', [userId])).toBe(before);
    // The answer may leave before the aborted part's file is removed (the rest of the body is
    // drained after answering): wait for the removal, bounded.
    await expect.poll(tempFiles, { timeout: 10_000 }).toEqual([]);
  });
});

describe('forms and text', () => {
  it('when a urlencoded form has more than 1,000 fields, then 400 validation_failed and nothing is stored', async () => {
    const before = await count('tickets');
    const fields = Array.from({ length: 1_100 }, (_, i) => `f${i}=1`).join('&');
    expectValidationFailed(await ctx.http().post('/api/v1/tickets').set('authorization', `Bearer ${token}`).type('form').send(fields));
    // A page's form route parses urlencoded bodies too.
    const page = await ctx.http().post('/support/tickets').type('form').set('accept', 'application/json').send(fields);
    expectValidationFailed(page);
    expect(await count('tickets')).toBe(before);
  });

  it('when JSON text or a query holds a NUL byte, then 400 validation_failed and nothing is stored', async () => {
    const before = await count('tickets');
    const res = await ctx.http().post('/api/v1/tickets').set('authorization', `Bearer ${token}`)
      .send({ category: 'other', subject: 'a\u0000b', body: '这是一个足够长的工单内容' });
    expectValidationFailed(res);
    expect(await count('tickets')).toBe(before);
    expectValidationFailed(await ctx.http().get('/api/v1/documents?q=a%00b'));
  });
});

describe('forged search cursors', () => {
  const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['an impossible date', 'newest', ['n', '2023-02-30T00:00:00.000000Z', 1]],
    ['month 13', 'newest', ['n', '2023-13-01T25:61:00.000000Z', 1]],
    ['year 0', 'newest', ['n', '0000-01-01T00:00:00.000000Z', 1]],
    ['a huge rank', 'relevance', ['r', '1e999', 1, 1]],
    ['a rank of 60 digits', 'relevance', ['r', '9'.repeat(60), 1, 1]],
    ['a rank too small for real', 'relevance', ['r', '1e-60', 1, 1]],
    ['a huge popularity', 'popular', ['p', 1e300, 1]],
  ])('when the cursor holds %s, then the API and the search page answer 400, not 500', async (_what, sort, value) => {
    const q = sort === 'relevance' ? '会议' : '';
    expectValidationFailed(await ctx.http().get(`/api/v1/documents?q=${encodeURIComponent(q)}&sort=${sort}&cursor=${cursor(value)}`));
    const page = await ctx.http().get(`/search?q=${encodeURIComponent(q)}&sort=${sort}&cursor=${cursor(value)}`).set('accept', 'text/html');
    expect(page.status).toBe(400);
  });

  it('when the cursor is one the API itself made, then it is still accepted', async () => {
    const ok = await ctx.http().get(`/api/v1/documents?sort=newest&cursor=${cursor(['n', '2024-02-29T23:59:59.123456Z', 5])}`);
    expect(ok.status).toBe(200);
    const rank = await ctx.http().get(`/api/v1/documents?q=%E4%BC%9A%E8%AE%AE&sort=relevance&cursor=${cursor(['r', '0.0607927', 3, 5])}`);
    expect(rank.status).toBe(200);
  });
});
