// The admin's money forms in Chromium (issue 23): a batch of download coupons issued on
// /admin/coupons, and VIP plans created, re-priced, retired and restored on /admin/vip. Each form
// is submitted through the page once; what the server did is checked in the database (the rows and
// their audit entries) and in the public plan list (GET /api/v1/vip/plans). A refused form (a
// negative price) shows its error and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page, Response } from 'playwright-core';
import { DESKTOP, screenshots, startLiveServer, type LiveServer } from './harness.js';
import { registerAdmin } from '../../src/auth/test-fixtures.js';
import type { TestUser } from '../factories.js';

let live: LiveServer;
let admin: TestUser;
let page: Page;

beforeAll(async () => {
  live = await startLiveServer();
  admin = await registerAdmin(live.ctx, { displayName: '运营小王' });
  const context = await live.browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
  await context.addCookies([{ name: 'wenku_session', value: admin.token, url: live.baseUrl }]);
  page = await context.newPage();
}, 120_000);
afterAll(async () => live?.close(), 60_000);

const q = async (sql: string, params: unknown[] = []) => (await live.ctx.deps.db.pool.query(sql, params)).rows;
const planRow = async (planId: string) =>
  (await q(`SELECT name, days, price_cents::int AS "priceCents", downloads_per_day AS "downloadsPerDay", retired_at IS NOT NULL AS retired FROM vip_plans WHERE plan_id = $1`, [planId]))[0];
const auditOf = (action: string) => q(`SELECT admin_id::int AS "adminId", target_type AS "targetType", target_id::int AS "targetId", details FROM admin_audit_log WHERE action = $1 ORDER BY id`, [action]);
const countOf = async (table: 'vip_plans' | 'admin_audit_log' | 'coupon_batches' | 'coupons') => (await q(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n as number;

interface OfferedPlan { id: string; name: string; days: number; priceCents: number; downloadsPerDay: number }
async function offeredPlans(): Promise<OfferedPlan[]> {
  const res = await live.ctx.http().get('/api/v1/vip/plans');
  expect(res.status).toBe(200);
  return res.body.items as OfferedPlan[];
}

/** Clicks a form's submit button; resolves with the POST's own response once the page it leads to has loaded. */
async function submit(button: Locator, path: string): Promise<Response> {
  const [, response] = await Promise.all([
    page.waitForEvent('load'),
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === path),
    button.click(),
  ]);
  return response;
}

describe('/admin/coupons', () => {
  it('when the admin issues a batch through the form, then one batch with the typed limit and count is stored with that many unused codes, the ones the page shows', async () => {
    const batchesBefore = await countOf('coupon_batches');
    await page.goto(`${live.baseUrl}/admin/coupons`);
    const form = page.locator('form[data-form="admin-coupon-create"]');
    await form.locator('input[name=quantity]').fill('3');
    await form.locator('input[name=maxPriceYuan]').fill('12.5');
    await form.locator('input[name=note]').fill('浏览器测试·新用户活动');
    const response = await submit(form.locator('button[type=submit]'), '/admin/coupons');
    expect(response.status()).toBe(201);

    const [batch, ...others] = await q(
      `SELECT id::int AS id, created_by::int AS "createdBy", max_price_cents::int AS "maxPriceCents", quantity, expires_at AS "expiresAt" FROM coupon_batches WHERE note = $1`,
      ['浏览器测试·新用户活动'],
    );
    expect(others).toEqual([]);
    expect(batch).toMatchObject({ createdBy: admin.user.id, maxPriceCents: 1250, quantity: 3, expiresAt: null });
    expect(await countOf('coupon_batches')).toBe(batchesBefore + 1);
    const stored = await q(`SELECT code, redeemed_by AS "redeemedBy", redeemed_at AS "redeemedAt" FROM coupons WHERE batch_id = $1 ORDER BY code`, [batch!.id]);
    expect(stored).toHaveLength(3);
    for (const c of stored) expect(c).toMatchObject({ code: expect.stringMatching(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/), redeemedBy: null, redeemedAt: null });
    // The codes handed to the admin are exactly the stored ones.
    const shown = (await page.locator('#issued-codes').inputValue()).split('\n').sort();
    expect(shown).toEqual(stored.map((c) => c.code as string));
    expect(await page.locator('.alert-ok[role=status]').textContent()).toContain(`已发放 3 张下载券（批次 #${batch!.id}）`);
    expect(await page.locator('.alert-ok[role=status]').textContent()).toContain('¥12.50');
    expect(await page.locator(`#coupon-batches tbody tr:has(a[href="/admin/coupons/${batch!.id}"])`).textContent()).toContain('0 / 3');
    expect(await auditOf('coupon_batch.issue')).toEqual([
      { adminId: admin.user.id, targetType: 'coupon_batch', targetId: batch!.id, details: { quantity: 3, maxPriceCents: 1250, note: '浏览器测试·新用户活动', expiresAt: null } },
    ]);
    await screenshots(page, 'admin-coupons-issued');
  }, 120_000);
});

/** Types a new plan into /admin/vip's 新增套餐 form (form[data-form="admin-vip-create"]) and submits it. */
async function createPlan(values: Record<'name' | 'priceYuan' | 'days' | 'downloadsPerDay' | 'id', string>): Promise<Response> {
  await page.goto(`${live.baseUrl}/admin/vip`);
  const form = page.locator('form[data-form="admin-vip-create"]');
  for (const [name, value] of Object.entries(values)) await form.locator(`input[name=${name}]`).fill(value);
  return submit(form.locator('button[type=submit]'), '/admin/vip');
}

describe('/admin/vip', () => {
  it('when the admin creates a plan through the form, then a row holds the typed days, price and downloads a day, and the plan is on sale in /api/v1/vip/plans', async () => {
    expect(await planRow('student')).toBeUndefined();
    const response = await createPlan({ name: '学生卡', priceYuan: '12.50', days: '30', downloadsPerDay: '4', id: 'student' });
    expect(response.status()).toBe(303);
    expect(page.url()).toBe(`${live.baseUrl}/admin/vip?done=created`);
    expect(await page.locator('.alert-ok[role=status]').textContent()).toContain('已新增套餐');

    expect(await planRow('student')).toEqual({ name: '学生卡', days: 30, priceCents: 1250, downloadsPerDay: 4, retired: false });
    expect(await offeredPlans()).toContainEqual({ id: 'student', name: '学生卡', days: 30, priceCents: 1250, downloadsPerDay: 4 });
    const [entry] = await auditOf('vip_plan.create');
    expect(entry).toMatchObject({ adminId: admin.user.id, targetType: 'vip_plan', details: { planId: 'student', priceCents: 1250, days: 30, downloadsPerDay: 4 } });
    expect(await page.locator('#plan-student').textContent()).toContain('在售');
  }, 120_000);

  it('when a negative price is typed for a new plan, then the form shows the price error with what was typed, and no plan, audit entry or offer appears', async () => {
    const [plansBefore, auditBefore, offeredBefore] = [await countOf('vip_plans'), await countOf('admin_audit_log'), await offeredPlans()];
    const response = await createPlan({ name: '倒贴卡', priceYuan: '-5', days: '7', downloadsPerDay: '3', id: 'negative' });
    expect(response.status()).toBe(400);

    expect(await page.locator('#vip-plan-error').textContent()).toContain('请输入 0.01 到 1000000 之间的价格');
    // The refused form comes back as typed, to be corrected rather than retyped.
    const again = page.locator('form[data-form="admin-vip-create"]');
    expect(await again.locator('input[name=name]').inputValue()).toBe('倒贴卡');
    expect(await again.locator('input[name=priceYuan]').inputValue()).toBe('-5');
    expect(await planRow('negative')).toBeUndefined();
    expect(await countOf('vip_plans')).toBe(plansBefore);
    expect(await countOf('admin_audit_log')).toBe(auditBefore);
    expect(await offeredPlans()).toEqual(offeredBefore);
  }, 120_000);

  it('when the admin changes a plan\'s price through its row, then the row holds the new price, the other terms stay, and /api/v1/vip/plans offers the new price', async () => {
    await page.goto(`${live.baseUrl}/admin/vip`);
    const form = page.locator('#plan-student form[data-form="admin-vip-edit"]');
    // The row's inputs and its save button belong to the form through form="…" (a form cannot span table cells).
    const formId = await form.getAttribute('id');
    expect(formId).toBe('edit-student');
    const price = page.locator(`input[form="${formId}"][name=priceYuan]`);
    expect(await price.inputValue()).toBe('12.50');
    await price.fill('15.80');
    const response = await submit(page.locator(`button[type=submit][form="${formId}"]`), '/admin/vip/student');
    expect(response.status()).toBe(303);
    expect(page.url()).toBe(`${live.baseUrl}/admin/vip?done=updated`);

    expect(await planRow('student')).toEqual({ name: '学生卡', days: 30, priceCents: 1580, downloadsPerDay: 4, retired: false });
    const offered = (await offeredPlans()).filter((p) => p.id === 'student');
    expect(offered).toEqual([{ id: 'student', name: '学生卡', days: 30, priceCents: 1580, downloadsPerDay: 4 }]);
    const [entry] = await auditOf('vip_plan.update');
    expect(entry).toMatchObject({ adminId: admin.user.id, details: { planId: 'student', before: { priceCents: 1250 }, after: { priceCents: 1580 } } });
    expect(await page.locator('#plan-student').textContent()).toContain('¥15.80');
  }, 120_000);

  it('when the admin retires a plan of the settings, then it leaves /api/v1/vip/plans, and the same form, now 恢复销售, brings it back unchanged', async () => {
    expect((await offeredPlans()).map((p) => p.id)).toContain('month');
    expect(await planRow('month')).toBeUndefined(); // a plan of VIP_PLANS has no row until it is changed
    await page.goto(`${live.baseUrl}/admin/vip`);
    const retire = page.locator('#plan-month form[data-form="admin-vip-retire"]');
    expect(await retire.locator('button').textContent()).toBe('停售');
    const retired = await submit(retire.locator('button'), '/admin/vip/month/retire');
    expect(retired.status()).toBe(303);
    expect(page.url()).toBe(`${live.baseUrl}/admin/vip?done=retired`);

    expect(await planRow('month')).toEqual({ name: '月度会员', days: 30, priceCents: 2500, downloadsPerDay: 5, retired: true });
    expect((await offeredPlans()).map((p) => p.id)).not.toContain('month');
    expect(await page.locator('#plan-month').textContent()).toContain('已停售');
    await screenshots(page, 'admin-vip-retired');

    const restore = page.locator('#plan-month form[data-form="admin-vip-retire"]');
    expect(await restore.locator('button').textContent()).toBe('恢复销售');
    const restored = await submit(restore.locator('button'), '/admin/vip/month/restore');
    expect(restored.status()).toBe(303);
    expect(page.url()).toBe(`${live.baseUrl}/admin/vip?done=restored`);

    expect(await planRow('month')).toEqual({ name: '月度会员', days: 30, priceCents: 2500, downloadsPerDay: 5, retired: false });
    expect(await offeredPlans()).toContainEqual({ id: 'month', name: '月度会员', days: 30, priceCents: 2500, downloadsPerDay: 5 });
    expect((await auditOf('vip_plan.retire')).map((e) => e.details.planId)).toEqual(['month']);
    expect((await auditOf('vip_plan.restore')).map((e) => e.details.planId)).toEqual(['month']);
    await screenshots(page, 'admin-vip-after-changes');
  }, 120_000);
});
