// Child process that turns a .docx into HTML with mammoth. It runs apart from the web server
// with a capped heap (see mammoth-runner.ts): a zip bomb or a pathological document can only
// kill this process. Before mammoth inflates the package in memory, every entry is inflated
// once as a stream with a running byte count, so the declared sizes we checked are proven true.
import mammoth from 'mammoth';
import { IMAGE_PLACEHOLDER_SRC, PAGE_BREAK_MARK } from './html.js';
import { inflateZip } from './zip.js';

export interface MammothRequest {
  id: number;
  path: string;
  maxInflatedBytes: number;
  maxImageBytes: number;
}
export type MammothReply =
  | { id: number; ok: true; html: string; messages: string[]; rss: number }
  | { id: number; ok: false; kind: 'bounds' | 'corrupt' | 'failed'; message: string; rss: number };

const SAFE_IMAGE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

async function convert(req: MammothRequest): Promise<MammothReply> {
  try {
    await inflateZip(req.path, req.maxInflatedBytes);
  } catch (err) {
    const kind = (err as { kind?: string }).kind === 'bounds' ? 'bounds' : 'corrupt';
    return { id: req.id, ok: false, kind, message: (err as Error).message, rss: process.memoryUsage().rss };
  }
  try {
    const result = await mammoth.convertToHtml(
      { path: req.path },
      {
        externalFileAccess: false,
        idPrefix: 'doc-',
        // Explicit page breaks become a marker the splitter understands (used when there is no layout).
        styleMap: ["br[type='page'] => span.wk-page-break", "p[style-name='Title'] => p.doc-title:fresh"],
        convertImage: mammoth.images.imgElement(async (image) => {
          const type = (image.contentType || '').toLowerCase();
          if (!SAFE_IMAGE.has(type)) return { src: `${IMAGE_PLACEHOLDER_SRC}${type}` };
          const data = await image.readAsBase64String();
          if (data.length * 0.75 > req.maxImageBytes) return { src: `${IMAGE_PLACEHOLDER_SRC}too-large` };
          return { src: `data:${type};base64,${data}` };
        }),
      },
    );
    const html = result.value.replace(/<span class="wk-page-break"><\/span>/gu, PAGE_BREAK_MARK);
    return {
      id: req.id,
      ok: true,
      html,
      messages: result.messages.filter((m) => m.type === 'error').map((m) => m.message).slice(0, 20),
      rss: process.memoryUsage().rss,
    };
  } catch (err) {
    return { id: req.id, ok: false, kind: 'failed', message: (err as Error).message.slice(0, 500), rss: process.memoryUsage().rss };
  }
}

process.on('message', (req: MammothRequest) => {
  void convert(req).then((reply) => process.send?.(reply));
});
process.on('disconnect', () => process.exit(0));
