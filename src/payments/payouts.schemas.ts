// Request schemas of withdrawals (提现).
import { z } from 'zod';

export const PayoutBody = z.object({
  amountCents: z.number().int('金额必须是整数分 (integer cents)').positive('金额必须大于 0').max(100_000_000),
  account: z.object({
    method: z.enum(['alipay', 'bank']),
    name: z.string().trim().min(1, '请填写收款人姓名').max(50),
    number: z.string().trim().regex(/^[\w.@+-]{4,64}$/, '收款账号格式不正确 (account number)'),
  }),
});
export const ApproveBody = z.object({ reference: z.string().trim().min(1, '请填写转账流水号 (reference required)').max(200) });
export const RejectBody = z.object({ reason: z.string().trim().min(1, '请填写驳回原因 (reason required)').max(500) });
export const PayoutQueueQuery = z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() });
