-- Top-ups on a phone and cancelled orders (issue 30).

-- device: which of the provider's flows the order offers. 'desktop': a QR code to scan (Alipay
-- 当面付 / WeChat Native) and Alipay's page-pay link; 'mobile': Alipay 手机网站支付
-- (alipay.trade.wap.pay) or WeChat Pay H5, a link that opens the provider's app.
ALTER TABLE topup_orders ADD COLUMN device text NOT NULL DEFAULT 'desktop';
ALTER TABLE topup_orders ADD CONSTRAINT topup_orders_device_check CHECK (device IN ('desktop', 'mobile'));

-- 'cancelled': the owner gave the pending order up (and it was closed at the provider). Like
-- 'failed' it is not final for money: a payment that still arrives is credited, once.
ALTER TABLE topup_orders ADD COLUMN cancelled_at timestamptz;
ALTER TABLE topup_orders DROP CONSTRAINT topup_orders_status_check;
ALTER TABLE topup_orders ADD CONSTRAINT topup_orders_status_check CHECK (status IN ('pending', 'paid', 'failed', 'cancelled'));
