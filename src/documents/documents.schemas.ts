// Documents: the contract's Document, the upload form, edits, listing and preview, as zod
// schemas that both validate requests and generate the OpenAPI document.
import { z } from 'zod';
import { DOCUMENT_FORMATS } from '../conversion/formats.js';
import { MAX_PRICE_CENTS } from '../../public/js/format.js';
import { registry } from '../http/openapi.js';

/** Categories a document can be filed under (shown as the breadcrumb and the home page's list). */
export const CATEGORIES = [
  '党政公文',
  '讲话致辞',
  '工作总结',
  '规章制度',
  '合同协议',
  '法律法规',
  '教育教学',
  '论文报告',
  '行业资料',
  '应用文书',
  '生活休闲',
  '其他',
] as const;
export const DEFAULT_CATEGORY = '其他';
export const DEFAULT_FREE_PREVIEW_PAGES = 3;
export const MAX_FREE_PREVIEW_PAGES = 10_000;
export const MAX_KEYWORDS = 20;
export const MAX_KEYWORD_LENGTH = 30;

export const Category = z.enum(CATEGORIES).meta({ description: '分类 (category)' });
export const DocumentFormat = z.enum(DOCUMENT_FORMATS).meta({
  description: '格式，由文件内容判定 (format, decided from the bytes): Word DOC/DOCX/WPS/RTF/ODT, PDF, slides PPT/PPTX/DPS/ODP, sheets XLS/XLSX/ET/ODS, TXT',
});
export const DocumentStatus = z.enum(['processing', 'pending_review', 'ready', 'failed', 'rejected', 'taken_down']);

export const Document = registry.register(
  'Document',
  z.object({
    id: z.number().int().positive(),
    title: z.string(),
    description: z.string(),
    format: DocumentFormat,
    sizeBytes: z.number().int(),
    pages: z.number().int().nullable(),
    wordCount: z.number().int().nullable(),
    uploadedAt: z.string().meta({ format: 'date-time' }),
    keywords: z.array(z.string()),
    category: z.string(),
    priceCents: z.number().int(),
    freePreviewPages: z.number().int(),
    status: DocumentStatus,
    failureReason: z.string().nullable(),
    thumbnailUrl: z.string().nullable().meta({ description: "the first page's image, 200 px wide (PNG); null until converted" }),
    uploader: z.object({ id: z.number().int(), displayName: z.string() }),
    stats: z.object({ views: z.number().int(), downloads: z.number().int(), favorites: z.number().int() }),
    originalFilename: z.string(),
    rating: z.object({ average: z.number().meta({ description: '平均星级, one decimal; 0 without ratings' }), count: z.number().int() }),
  }),
);
export type Document = z.infer<typeof Document>;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A non-negative whole number given as text (multipart) or as a JSON number. "1.5", "1e3", "-1" fail. */
const wholeNumber = (max: number, what: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d{1,12}\s*$/.test(v) ? Number(v) : v),
    z
      .number({ error: `${what}必须是整数 (must be a whole number)` })
      .int(`${what}必须是整数 (must be a whole number)`)
      .min(0, `${what}不能为负数 (must not be negative)`)
      .max(max, `${what}不能超过 ${max} (at most ${max})`),
  );

/** Keywords as "a, b c" text or an array; each trimmed, de-duplicated, at most 20 of at most 30 characters. */
const Keywords = z.preprocess(
  (v) => {
    const parts = typeof v === 'string' ? v.split(/[,，、;；\s]+/u) : Array.isArray(v) ? v : v;
    if (!Array.isArray(parts)) return parts;
    const seen = new Set<string>();
    return parts
      .map((k) => (typeof k === 'string' ? k.trim() : k))
      .filter((k) => {
        if (k === '') return false;
        if (typeof k !== 'string') return true;
        const key = k.toLowerCase();
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
  },
  z
    .array(z.string().max(MAX_KEYWORD_LENGTH, `每个关键词最多 ${MAX_KEYWORD_LENGTH} 个字 (keyword too long)`))
    .max(MAX_KEYWORDS, `关键词最多 ${MAX_KEYWORDS} 个 (at most ${MAX_KEYWORDS} keywords)`),
);

const Title = z.string().trim().min(1, '标题不能为空 (title required)').max(200, '标题最多 200 个字 (title too long)');
const Description = z.string().trim().max(2000, '简介最多 2000 个字 (description too long)');
const CategoryInput = z.enum(CATEGORIES, { error: '分类不在可选范围内 (unknown category)' });

/** The text fields of the upload form (multipart: every value arrives as a string). */
export const UploadFields = registry.register(
  'UploadFields',
  z.object({
    title: z.preprocess(blankToUndefined, Title.optional()),
    description: z.preprocess(blankToUndefined, Description.optional()),
    category: z.preprocess(blankToUndefined, CategoryInput.optional()),
    priceCents: z.preprocess(blankToUndefined, wholeNumber(MAX_PRICE_CENTS, '价格').optional()),
    freePreviewPages: z.preprocess(blankToUndefined, wholeNumber(MAX_FREE_PREVIEW_PAGES, '免费预览页数').optional()),
    keywords: z.preprocess(blankToUndefined, Keywords.optional()),
  }),
);
export type UploadFields = z.infer<typeof UploadFields>;

export const UpdateDocumentBody = registry.register(
  'UpdateDocumentBody',
  z
    .object({
      title: Title.optional(),
      description: Description.optional(),
      category: CategoryInput.optional(),
      priceCents: wholeNumber(MAX_PRICE_CENTS, '价格').optional(),
      freePreviewPages: wholeNumber(MAX_FREE_PREVIEW_PAGES, '免费预览页数').optional(),
      keywords: Keywords.optional(),
    })
    .strict(),
);
export type UpdateDocumentBody = z.infer<typeof UpdateDocumentBody>;

export const SORTS = ['newest', 'popular', 'relevance'] as const;
export type Sort = (typeof SORTS)[number];

export const ListDocumentsQuery = registry.register(
  'ListDocumentsQuery',
  z.object({
    q: z.preprocess(blankToUndefined, z.string().trim().max(200, '搜索词太长 (query too long)').optional()),
    category: z.preprocess(blankToUndefined, CategoryInput.optional()),
    format: z.preprocess(
      (v) => (typeof v === 'string' ? blankToUndefined(v.toUpperCase()) : v),
      DocumentFormat.optional(),
    ),
    sort: z.preprocess(blankToUndefined, z.enum(SORTS).optional()),
    limit: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100).default(20)),
    cursor: z.preprocess(blankToUndefined, z.string().max(500).optional()),
    /** Extension: 1 = free documents only, 0 = paid only. */
    free: z.preprocess(blankToUndefined, z.enum(['1', '0']).optional()),
  }),
);
export type ListDocumentsQuery = z.infer<typeof ListDocumentsQuery>;

export const PageQuery = z.object({
  limit: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100).default(20)),
  cursor: z.preprocess(blankToUndefined, z.string().max(500).optional()),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const DocumentResult = z.object({ document: Document });
export const DocumentList = registry.register(
  'DocumentList',
  z.object({ items: z.array(Document), nextCursor: z.string().nullable() }),
);
export const DocumentItems = z.object({ items: z.array(Document) });

export const Preview = registry.register(
  'Preview',
  z.object({
    html: z.string(),
    pagesShown: z.number().int(),
    totalPages: z.number().int(),
    truncated: z.boolean(),
    /** Extension: true when the preview is text only (converted without LibreOffice). */
    simplified: z.boolean(),
  }),
);
export type Preview = z.infer<typeof Preview>;

export const StatusEvent = registry.register(
  'DocumentStatusEvent',
  z.object({ status: DocumentStatus, failureReason: z.string().nullable(), pages: z.number().int().nullable() }),
);
export type StatusEvent = z.infer<typeof StatusEvent>;

// ---- paths ----
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const idParam = z.object({ id: z.string().regex(/^\d+$/).meta({ description: 'document id' }) });
const bearer = [{ bearer: [] }];

registry.registerPath({
  method: 'post', path: '/api/v1/documents', tags: ['documents'], security: bearer,
  description:
    'Upload a document; its format is decided by its content: Word (.doc, .docx and its macro-free template variants, .rtf, .odt, Kingsoft .wps), PDF, slides (.ppt, .pptx, .dps, .odp), spreadsheets (.xls, .xlsx, .et, .ods), plain text (.txt in UTF-8, UTF-16 or GB18030/GBK). Encrypted files and files with macros are refused (400 unsupported_file). Conversion continues in the background.',
  request: {
    body: {
      content: {
        'multipart/form-data': {
          schema: z.object({
            file: z.string().meta({ format: 'binary' }),
            title: z.string().optional(), description: z.string().optional(), category: Category.optional(),
            priceCents: z.string().meta({ description: 'integer cents' }).optional(),
            freePreviewPages: z.string().optional(), keywords: z.string().meta({ description: 'comma or space separated' }).optional(),
          }),
        },
      },
    },
  },
  responses: {
    202: json(DocumentResult, 'stored; status processing'),
    400: { description: 'validation_failed or unsupported_file' },
    403: { description: 'the file was taken down and is blocked' },
    409: { description: 'the caller already uploaded this file; details.documentId' },
    413: { description: 'file_too_large' },
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents', tags: ['documents'], request: { query: ListDocumentsQuery },
  responses: { 200: json(DocumentList, 'a page of listed documents') },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}', tags: ['documents'], request: { params: idParam },
  responses: { 200: json(DocumentResult, 'the document (counts a view)'), 404: { description: 'not found or not visible' } },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}/preview', tags: ['documents'], request: { params: idParam },
  responses: { 200: json(Preview, 'the preview the caller may see'), 404: { description: 'not found' }, 409: { description: 'still processing, or conversion failed' } },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}/events', tags: ['documents'], request: { params: idParam },
  responses: {
    200: { description: 'Server-Sent Events: `event: status` with DocumentStatusEvent data, until ready or failed', content: { 'text/event-stream': { schema: StatusEvent } } },
    404: { description: 'not found' },
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}/related', tags: ['documents'], request: { params: idParam },
  responses: { 200: json(DocumentItems, '你可能关注的文档') },
});
registry.registerPath({
  method: 'patch', path: '/api/v1/documents/{id}', tags: ['documents'], security: bearer,
  request: { params: idParam, body: { content: { 'application/json': { schema: UpdateDocumentBody } } } },
  responses: { 200: json(DocumentResult, 'updated'), 403: { description: 'not the uploader or an admin' }, 404: { description: 'not found' } },
});
registry.registerPath({
  method: 'delete', path: '/api/v1/documents/{id}', tags: ['documents'], security: bearer, request: { params: idParam },
  responses: { 204: { description: 'deleted (buyers keep their downloads)' }, 403: { description: 'not the uploader or an admin' }, 404: { description: 'not found' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/documents/{id}/retry', tags: ['documents'], security: bearer, request: { params: idParam },
  description: 'Extension: convert a failed document again (uploader or admin).',
  responses: { 202: json(DocumentResult, 'back to processing'), 403: { description: 'not the uploader or an admin' }, 409: { description: 'not failed' } },
});
for (const method of ['put', 'delete'] as const) {
  registry.registerPath({
    method, path: '/api/v1/documents/{id}/favorite', tags: ['documents'], security: bearer, request: { params: idParam },
    responses: { 204: { description: method === 'put' ? 'favorited (idempotent)' : 'no longer a favorite (idempotent)' }, 404: { description: 'not found' } },
  });
}
registry.registerPath({
  method: 'get', path: '/api/v1/me/favorites', tags: ['documents'], security: bearer,
  responses: { 200: json(DocumentItems, "the caller's favorites") },
});
registry.registerPath({
  method: 'get', path: '/api/v1/me/documents', tags: ['documents'], security: bearer, request: { query: PageQuery },
  description: "Extension: the caller's own uploads in any state.",
  responses: { 200: json(DocumentList, "the caller's uploads, newest first") },
});

// The page-faithful preview (issue 12).
export const PageList = registry.register(
  'PageList',
  z.object({
    totalPages: z.number().int(),
    pagesShown: z.number().int(),
    truncated: z.boolean(),
    pages: z.array(
      z.object({
        number: z.number().int(),
        width: z.number().int().meta({ description: 'pixels of the image (1000 px wide)' }),
        height: z.number().int(),
        imageUrl: z.string(),
        textUrl: z.string(),
      }),
    ),
  }),
);
export const PageText = registry.register(
  'PageText',
  z.object({
    number: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    lines: z.array(z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number(), text: z.string() })),
  }),
);
const pageParams = idParam.extend({ n: z.string().regex(/^\d+$/).meta({ description: 'page number, from 1' }) });
const png = (description: string) => ({ description, content: { 'image/png': { schema: z.string().meta({ format: 'binary' }) } } });
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}/pages', tags: ['documents'], request: { params: idParam },
  responses: { 200: json(PageList, 'only the pages this caller may see'), 404: { description: 'not found' }, 409: { description: 'still processing, or conversion failed' } },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}/pages/{n}/image', tags: ['documents'], request: { params: pageParams },
  responses: { 200: png('the page as PNG (watermarked); rendered on first request for entitled callers'), 403: { description: 'beyond the pages this caller may see' }, 404: { description: 'no such page' }, 409: { description: 'not converted' } },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}/pages/{n}/text', tags: ['documents'], request: { params: pageParams },
  responses: { 200: json(PageText, "the page's text layer in the image's pixels"), 403: { description: 'beyond the pages this caller may see' }, 404: { description: 'no such page' }, 409: { description: 'not converted' } },
});
registry.registerPath({
  method: 'get', path: '/api/v1/documents/{id}/thumbnail', tags: ['documents'], request: { params: idParam },
  responses: { 200: png("the first page, 200 px wide"), 404: { description: 'not found, or no thumbnail yet' } },
});
