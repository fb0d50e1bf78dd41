// The uploader's studio, /me/documents (issue 15): every own upload with its numbers and a 30-day
// chart, edited in place by plain forms (CSRF-checked like every form post). Edits, deletion and
// retries call the same service functions as the API's PATCH, DELETE and retry, so the rules
// (prices, keywords, who may, what may be retried) are the API's; the studio only ever acts on
// the caller's own documents (anyone else's → 404).
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { YUAN_LIMITS, formatYuan, yuanToCents } from '../../public/js/format.js';
import { formError, formErrorMessage, loginRedirect } from '../http/forms.js';
import type { RenderPage } from '../http/render.js';
import { parseId, parseInput } from '../http/validate.js';
import { UpdateDocumentBody } from '../documents/documents.schemas.js';
import { deleteDocument, retryConversion, updateDocument } from '../documents/documents.service.js';
import { assertOwnDocument } from '../documents/studio.service.js';
import { setPrivateCache } from '../documents/pages/cache.js';
import { buildStudioPage, type StudioFormError, type StudioFormValues } from './studio-page.js';

const PRICE_MESSAGE = `价格请填写 0 到 ${formatYuan(YUAN_LIMITS.price.max).slice(1)} 元之间的数字，最多两位小数，例如 2 或 2.50`;

const NOTICES: Record<string, string> = {
  saved: '修改已保存，文档页已同步更新。',
  deleted: '文档已删除，不再对外显示；已购买的用户仍可在“已购文档”中下载。',
  retried: '已重新提交转换，完成后状态会更新。',
};

/** The edit form's fields as typed (strings only; anything else counts as empty). */
function typedValues(body: unknown): StudioFormValues {
  const form = (body ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
  return {
    title: text('title'),
    description: text('description'),
    category: text('category'),
    keywords: text('keywords'),
    price: text('price'),
    freePreviewPages: text('freePreviewPages'),
  };
}

/** The typed form as the API's PATCH body: yuan to cents, then the API's own schema. */
function editOf(values: StudioFormValues): UpdateDocumentBody {
  const priceCents = yuanToCents(values.price.trim() || '0', YUAN_LIMITS.price);
  if (priceCents === null) throw new AppError('validation_failed', PRICE_MESSAGE);
  return parseInput(UpdateDocumentBody, {
    title: values.title,
    description: values.description.replace(/\r\n?/gu, '\n'),
    category: values.category,
    keywords: values.keywords,
    priceCents,
    freePreviewPages: values.freePreviewPages,
  });
}

/** A refused form's message for the page: the first problem, in Chinese only (no field path). */
const positiveInt = (v: unknown): number | null => (typeof v === 'string' && /^[1-9]\d{0,15}$/u.test(v) ? Number(v) : null);

export function studioPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();

  const renderStudio = async (req: Request, res: Response, options: { beforeId?: number | null; error?: StudioFormError; notice?: string } = {}) => {
    const data = await buildStudioPage(deps, req.actor!, { beforeId: options.beforeId ?? null, error: options.error, notice: options.notice });
    setPrivateCache(res);
    render(req, res, 'me/documents', data, { title: '我的上传', noindex: true });
  };

  /** Runs a studio action on an own document; a user error is shown on that document's row. */
  const act = (path: string, action: (req: Request, id: number) => Promise<string>, values?: (req: Request) => StudioFormValues) => {
    router.post(path, async (req, res) => {
      if (loginRedirect(req, res)) return;
      const id = parseId(req.params.id);
      let done: string;
      try {
        await assertOwnDocument(deps, req.actor!, id); // before anything is read from the form
        done = await action(req, id);
      } catch (err) {
        const shown = formError(err, res, (e) => e.code !== 'not_found');
        return renderStudio(req, res, { error: { documentId: id, message: formErrorMessage(shown), values: values?.(req) } });
      }
      res.redirect(303, `/me/documents?done=${done}#doc-${id}`);
    });
  };

  router.get('/me/documents', async (req, res) => {
    if (loginRedirect(req, res)) return;
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    await renderStudio(req, res, { beforeId: positiveInt(req.query.before), notice: done });
  });

  act('/me/documents/:id', async (req, id) => {
    await updateDocument(deps, req.actor!, id, editOf(typedValues(req.body)));
    return 'saved';
  }, (req) => typedValues(req.body));

  act('/me/documents/:id/delete', async (req, id) => {
    await deleteDocument(deps, req.actor!, id);
    return 'deleted';
  });

  act('/me/documents/:id/retry', async (req, id) => {
    await retryConversion(deps, req.actor!, id);
    return 'retried';
  });

  return router;
}
