// VIP plans kept by admins: the API (/api/v1/admin/vip-plans) and the page (/admin/vip). Plans of
// VIP_PLANS can be edited and retired, new ones created; members who bought a plan keep its terms.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { CLEAN_LEDGER, balanceOf, ledgerInvariants, registerUser, topUp, type TestUser } from '../../test/factories.js';

const PLANS = [
  { id: 'week', name: '周卡', days: 7, priceCents: 700, downloadsPerDay: 2 },
  { id: 'month', name: '月卡', days: 30, priceCents: 3000, downloadsPerDay: 3 },
];

let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await createTestContext({ VIP_PLANS: JSON.stringify(PLANS), ADMIN_EMAILS: 'plans-admin@example.com' });
  admin = await registerAdmin(ctx, { email: 'plans-admin@example.com' });
});
afterAll(async () => ctx.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const q = async (sql: string, params: unknown[] = []) => (await ctx.deps.db.pool.query(sql, params)).rows;
const planRows = () => q(`SELECT plan_id, name, days, price_cents, downloads_per_day, retired_at IS NOT NULL AS retired FROM vip_plans ORDER BY id`);
const audit = (action: string) => q(`SELECT admin_id, target_type, target_id, details FROM admin_audit_log WHERE action = $1 ORDER BY id`, [action]);
const offered = async () => ((await ctx.http().get('/api/v1/vip/plans')).body.items as Array<{ id: string; priceCents: number }>);
const adminApi = () => ({
  list: () => ctx.http().get('/api/v1/admin/vip-plans').set(auth(admin.token)),
  create: (body: object) => ctx.http().post('/api/v1/admin/vip-plans').set(auth(admin.token)).send(body),
  change: (id: string, body: object) => ctx.http().patch(`/api/v1/admin/vip-plans/${id}`).set(auth(admin.token)).send(body),
  retire: (id: string) => ctx.http().post(`/api/v1/admin/vip-plans/${id}/retire`).set(auth(admin.token)),
  restore: (id: string) => ctx.http().post(`/api/v1/admin/vip-plans/${id}/restore`).set(auth(admin.token)),
});
const me = async (token: string) => (await ctx.http().get('/api/v1/me').set(auth(token))).body.vip as { until: string; downloadsLeftToday: number } | null;

async function member(planId: string, balance: number) {
  const user = await registerUser(ctx);
  await topUp(ctx, user.token, balance);
  const res = await ctx.http().post('/api/v1/vip/purchase').set(auth(user.token)).send({ planId, confirm: true });
  expect(res.status).toBe(201);
  return user;
}

describe('admin VIP plans API', () => {
  it('when a user who is not an admin calls it, then it is 403 (401 without a token) and nothing changes', async () => {
    const user = await registerUser(ctx);
    const calls = [
      ctx.http().get('/api/v1/admin/vip-plans').set(auth(user.token)),
      ctx.http().post('/api/v1/admin/vip-plans').set(auth(user.token)).send({ name: '黑卡', days: 1, priceCents: 1, downloadsPerDay: 999 }),
      ctx.http().patch('/api/v1/admin/vip-plans/week').set(auth(user.token)).send({ priceCents: 1 }),
      ctx.http().post('/api/v1/admin/vip-plans/week/retire').set(auth(user.token)),
    ];
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([403, 403, 403, 403]);
    expect((await ctx.http().get('/api/v1/admin/vip-plans')).status).toBe(401);
    expect(await planRows()).toEqual([]);
    expect(await offered()).toEqual(PLANS);
  });

  it('when an admin lists the plans, then those of VIP_PLANS are there, on sale, from the settings', async () => {
    const res = await adminApi().list();
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual(PLANS.map((p) => ({ ...p, retired: false, source: 'settings' })));
  });

  it('when an admin creates a plan, then it is on sale at once and the audit log says who; its id cannot be taken twice', async () => {
    const res = await adminApi().create({ id: 'half-year', name: '半年卡', days: 180, priceCents: 12800, downloadsPerDay: 6 });
    expect(res.status).toBe(201);
    expect(res.body.plan).toEqual({ id: 'half-year', name: '半年卡', days: 180, priceCents: 12800, downloadsPerDay: 6, retired: false, source: 'admin' });
    expect((await offered()).map((p) => p.id)).toEqual(['week', 'month', 'half-year']);
    const [entry] = await audit('vip_plan.create');
    expect(entry).toMatchObject({ admin_id: admin.user.id, target_type: 'vip_plan', details: { planId: 'half-year', priceCents: 12800, days: 180, downloadsPerDay: 6 } });

    expect((await adminApi().create({ id: 'half-year', name: '又一个', days: 1, priceCents: 1, downloadsPerDay: 1 })).status).toBe(409);
    expect((await adminApi().create({ id: 'week', name: '周卡二', days: 1, priceCents: 1, downloadsPerDay: 1 })).status).toBe(409);
    const generated = await adminApi().create({ name: '体验卡', days: 1, priceCents: 100, downloadsPerDay: 1 });
    expect(generated.status).toBe(201);
    expect(generated.body.plan.id).toMatch(/^plan-[0-9a-f]{8}$/);
  });

  it.each([
    ['a price of zero', { priceCents: 0 }, '价格'],
    ['a fractional price', { priceCents: 12.5 }, '价格'],
    ['zero days', { days: 0 }, '天数'],
    ['a negative quota', { downloadsPerDay: -1 }, '每天下载篇数'],
    ['an empty name', { name: '  ' }, '套餐名称'],
    ['a price as text', { priceCents: '25' }, '价格'],
  ])('when a plan has %s, then creating or changing it is 400 with a Chinese message and nothing is written', async (_name, bad, words) => {
    const before = await planRows();
    const created = await adminApi().create({ name: '坏套餐', days: 10, priceCents: 1000, downloadsPerDay: 1, ...bad });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe('validation_failed');
    expect(created.body.error.message).toContain(words);
    const changed = await adminApi().change('month', bad);
    expect(changed.status).toBe(400);
    expect(changed.body.error.message).toContain(words);
    expect(await planRows()).toEqual(before);
    expect((await offered()).find((p) => p.id === 'month')).toEqual(PLANS[1]);
  });

  it('when an admin changes a plan, then new buyers pay the new price, a buyer shown the old price is refused, and members keep what they bought', async () => {
    const earlier = await member('week', 700);
    const beforeVip = await me(earlier.token);
    const res = await adminApi().change('week', { priceCents: 900, downloadsPerDay: 1, days: 5 });
    expect(res.status).toBe(200);
    expect(res.body.plan).toEqual({ id: 'week', name: '周卡', days: 5, priceCents: 900, downloadsPerDay: 1, retired: false, source: 'admin' });
    const [entry] = await audit('vip_plan.update');
    expect(entry).toMatchObject({ target_type: 'vip_plan', details: { planId: 'week', before: { priceCents: 700, days: 7, downloadsPerDay: 2 }, after: { priceCents: 900, days: 5, downloadsPerDay: 1 } } });
    // The earlier member keeps 7 days and 2 downloads a day.
    expect(await me(earlier.token)).toEqual(beforeVip);
    expect(beforeVip!.downloadsLeftToday).toBe(2);

    const buyer = await registerUser(ctx);
    await topUp(ctx, buyer.token, 900);
    const stale = await ctx.http().post('/api/v1/vip/purchase').set(auth(buyer.token)).send({ planId: 'week', confirm: true, expectedPriceCents: 700 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details).toMatchObject({ reason: 'price_changed', priceCents: 900 });
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 900, debt: 0 });
    expect(await me(buyer.token)).toBeNull();
    const bought = await ctx.http().post('/api/v1/vip/purchase').set(auth(buyer.token)).send({ planId: 'week', confirm: true, expectedPriceCents: 900 });
    expect(bought.status).toBe(201);
    expect(bought.body.period).toMatchObject({ days: 5, priceCents: 900, downloadsPerDay: 1 });
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when an admin retires a plan, then it is no longer sold, its members keep it and cancel at what they paid; it can be restored', async () => {
    const holder = await member('month', 3000);
    const res = await adminApi().retire('month');
    expect(res.status).toBe(200);
    expect(res.body.plan).toMatchObject({ id: 'month', retired: true });
    expect((await offered()).map((p) => p.id)).not.toContain('month');
    expect((await adminApi().list()).body.items.find((p: { id: string }) => p.id === 'month')).toMatchObject({ retired: true });
    expect((await adminApi().retire('month')).status).toBe(409);

    const late = await registerUser(ctx);
    await topUp(ctx, late.token, 3000);
    const refused = await ctx.http().post('/api/v1/vip/purchase').set(auth(late.token)).send({ planId: 'month', confirm: true });
    expect(refused.status).toBe(404);
    expect(await balanceOf(ctx, late.user.id)).toEqual({ wallet: 3000, debt: 0 });

    expect(await me(holder.token)).toMatchObject({ downloadsLeftToday: 3 });
    const cancelled = await ctx.http().post('/api/v1/vip/cancel').set(auth(holder.token));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.refundCents).toBe(2900); // 29 unused whole days of 30 at ¥30

    expect((await adminApi().restore('month')).body.plan).toMatchObject({ retired: false });
    expect((await offered()).map((p) => p.id)).toContain('month');
    expect((await audit('vip_plan.retire')).length).toBe(1);
    expect((await audit('vip_plan.restore')).length).toBe(1);
    expect((await adminApi().restore('month')).status).toBe(409);
    expect((await adminApi().retire('no-such-plan')).status).toBe(404);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });
});

describe('/admin/vip', () => {
  async function agentOf(user: TestUser) {
    const agent = request.agent(ctx.app);
    agent.set('cookie', `wenku_session=${user.token}`);
    const page = await agent.get('/admin/vip');
    const csrf = page.text.match(/name="csrf-token" content="([^"]+)"/)?.[1] ?? '';
    return { agent, page, csrf };
  }

  it('when someone who is not an admin opens it, then anonymous visitors go to the login page and users get 403', async () => {
    const anonymous = await ctx.http().get('/admin/vip');
    expect([anonymous.status, anonymous.headers.location]).toEqual([303, '/login?next=%2Fadmin%2Fvip']);
    const { page, agent, csrf } = await agentOf(await registerUser(ctx));
    expect(page.status).toBe(403);
    const before = await planRows();
    const posted = await agent.post('/admin/vip/week').type('form').send({ _csrf: csrf, name: '周卡', priceYuan: '0.01', days: '7', downloadsPerDay: '99' });
    expect(posted.status).toBe(403);
    expect(await planRows()).toEqual(before);
  });

  it('when an admin creates a plan with the price in yuan, then it is listed and sold at that price, and the audit log names it', async () => {
    const { agent, page, csrf } = await agentOf(admin);
    expect(page.status).toBe(200);
    expect(page.text).toContain('周卡');
    const created = await agent.post('/admin/vip').type('form').send({ _csrf: csrf, name: '学生卡', priceYuan: '12.5', days: '30', downloadsPerDay: '4', id: 'student' });
    expect([created.status, created.headers.location]).toEqual([303, '/admin/vip?done=created']);
    const listed = await agent.get('/admin/vip?done=created');
    expect(listed.text).toContain('已新增套餐');
    expect(listed.text).toContain('¥12.50 / 30 天 · 每天 4 篇');
    expect((await offered()).find((p) => p.id === 'student')).toEqual({ id: 'student', name: '学生卡', days: 30, priceCents: 1250, downloadsPerDay: 4 });
    const vipPage = await ctx.http().get('/vip');
    expect(vipPage.text).toContain('学生卡');
    expect(vipPage.text).toContain('name="expectedPriceCents" value="1250"');
    const log = await agent.get('/admin/audit-log');
    expect(log.text).toContain('新增会员套餐');
    expect(log.text).toContain('会员套餐 #');
  });

  it.each([
    ['three decimals in the price', { priceYuan: '12.345' }, '请输入 0.01 到 1000000 之间的价格'],
    ['a free plan', { priceYuan: '0' }, '请输入 0.01 到 1000000 之间的价格'],
    ['zero days', { days: '0' }, '天数须为 1–3660 的整数'],
    ['days as words', { days: '三十' }, '天数须为 1–3660 的整数'],
    ['a quota past the limit', { downloadsPerDay: '10001' }, '每天下载篇数须为 0–10000 的整数'],
    ['no name', { name: '' }, '请填写套餐名称'],
  ])('when an admin submits %s, then the page answers 400 in Chinese, keeps what was typed, and nothing changes', async (_name, bad, message) => {
    const { agent, csrf } = await agentOf(admin);
    const before = await planRows();
    const form = { _csrf: csrf, name: '周卡', priceYuan: '9.00', days: '5', downloadsPerDay: '1', ...bad };
    for (const path of ['/admin/vip', '/admin/vip/week']) {
      const res = await agent.post(path).type('form').send(form);
      expect(res.status).toBe(400);
      expect(res.text).toContain(message);
      expect(res.text).toMatch(new RegExp(`id="vip-plan-error">${message}[^<]*</p>`)); // no field name, no English
      for (const value of Object.values(bad)) if (value) expect(res.text).toContain(`value="${value}"`);
    }
    expect(await planRows()).toEqual(before);
  });

  it('when a form comes without the CSRF token, then it is refused and nothing changes', async () => {
    const { agent } = await agentOf(admin);
    const before = await planRows();
    const res = await agent.post('/admin/vip/week/retire').type('form').send({});
    expect(res.status).toBe(403);
    expect(await planRows()).toEqual(before);
  });

  it('when an admin edits and retires a plan on the page, then /vip stops offering it and its member keeps the membership', async () => {
    const holder = await member('student', 1250);
    // A buyer opens /vip while the plan costs ¥12.50 ...
    const buyer = await registerUser(ctx);
    await topUp(ctx, buyer.token, 5000);
    const buyerAgent = request.agent(ctx.app);
    buyerAgent.set('cookie', `wenku_session=${buyer.token}`);
    const shown = await buyerAgent.get('/vip');
    const buyerCsrf = shown.text.match(/name="csrf-token" content="([^"]+)"/)![1]!;
    const { agent, csrf } = await agentOf(admin);
    const edited = await agent.post('/admin/vip/student').type('form').send({ _csrf: csrf, name: '学生卡', priceYuan: '15', days: '31', downloadsPerDay: '2' });
    expect([edited.status, edited.headers.location]).toEqual([303, '/admin/vip?done=updated']);
    // ... and confirms that price after the admin raised it: refused, nothing charged.
    const stale = await buyerAgent.post('/vip/purchase').type('form').send({ _csrf: buyerCsrf, planId: 'student', expectedPriceCents: '1250', confirm: 'yes' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('套餐价格已变更，请确认新价格后再开通');
    expect(stale.text).not.toContain('plan price changed');
    expect(stale.text).toContain('name="expectedPriceCents" value="1500"');
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 5000, debt: 0 });
    expect((await offered()).find((p) => p.id === 'student')).toMatchObject({ priceCents: 1500, days: 31, downloadsPerDay: 2 });
    const page = await agent.get('/admin/vip');
    expect(page.text).toMatch(/<tr id="plan-student"[\s\S]*?1 人[\s\S]*?<\/tr>/);
    const retired = await agent.post('/admin/vip/student/retire').type('form').send({ _csrf: csrf });
    expect([retired.status, retired.headers.location]).toEqual([303, '/admin/vip?done=retired']);
    expect((await agent.get('/admin/vip?done=retired')).text).toContain('已停售');
    expect((await ctx.http().get('/vip')).text).not.toContain('学生卡');
    expect(await me(holder.token)).toMatchObject({ downloadsLeftToday: 4 });
    const again = await agent.post('/admin/vip/student/retire').type('form').send({ _csrf: csrf });
    expect(again.status).toBe(409);
    expect(again.text).toContain('该套餐已停售');
  });
});
