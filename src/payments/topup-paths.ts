// Where a top-up's pages live. Each carries the same-site path the buyer came from (a document,
// its purchase dialog) as `return`, so paying ends there; the path is checked by sameSitePath.

const withReturn = (path: string, returnPath: string | null) => (returnPath ? `${path}?return=${encodeURIComponent(returnPath)}` : path);

/** The order page (QR code, polling; Alipay's return URL). */
export const topupOrderPath = (orderId: number, returnPath: string | null = null) => withReturn(`/wallet/topup/${orderId}`, returnPath);

/** The development payment page. */
export const devPayPath = (orderId: number, returnPath: string | null = null) => withReturn(`/wallet/topup/${orderId}/dev-pay`, returnPath);

/** Where a paid top-up goes: back where the buyer came from, else the wallet saying it is paid. */
export const afterTopupPath = (returnPath: string | null) => returnPath ?? '/wallet?paid=1';
