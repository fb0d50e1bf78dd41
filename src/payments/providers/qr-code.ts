// QR codes for the pay URLs, rendered on the server as SVG (the CSP allows data: images only).
import QRCode from 'qrcode';

/** `data:image/svg+xml;base64,…` of a QR code carrying `text`. */
export async function qrCodeDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
