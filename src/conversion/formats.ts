/** The words every "encrypted" and "macros" refusal starts with (issue 13, issue 14 item 12). */
export const ENCRYPTED_ZH = '文档已加密';
export const MACROS_ZH = '文档包含宏，请另存为不含宏的格式后上传';

// The formats Wenku accepts (the contract's list), each with the one extension and Content-Type
// its downloads carry, the family that decides how it is converted and previewed, and its badge.
export const DOCUMENT_FORMATS = [
  'DOC',
  'DOCX',
  'WPS',
  'RTF',
  'ODT',
  'PDF',
  'PPT',
  'PPTX',
  'DPS',
  'ODP',
  'XLS',
  'XLSX',
  'ET',
  'ODS',
  'TXT',
] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

export type FormatFamily = 'word' | 'pdf' | 'slides' | 'sheet' | 'text';

/** Badge colours by family (百度文库's convention): DOC 蓝, PDF 红, PPT 橙, XLS 绿, TXT 灰. */
export type BadgeColor = 'blue' | 'red' | 'orange' | 'green' | 'gray';

export interface FormatInfo {
  /** Extension without the dot; the download name always ends with it. */
  ext: string;
  mime: string;
  family: FormatFamily;
  badge: BadgeColor;
  /** What the upload page calls it. */
  label: string;
}

export const FORMATS: Readonly<Record<DocumentFormat, FormatInfo>> = {
  DOC: { ext: 'doc', mime: 'application/msword', family: 'word', badge: 'blue', label: 'Word 97-2003' },
  DOCX: {
    ext: 'docx',
    mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    family: 'word',
    badge: 'blue',
    label: 'Word',
  },
  // Kingsoft's own registrations (WPS Office for Linux installs these).
  WPS: { ext: 'wps', mime: 'application/wps-office.wps', family: 'word', badge: 'blue', label: 'WPS 文字' },
  RTF: { ext: 'rtf', mime: 'application/rtf', family: 'word', badge: 'blue', label: 'RTF' },
  ODT: { ext: 'odt', mime: 'application/vnd.oasis.opendocument.text', family: 'word', badge: 'blue', label: 'OpenDocument 文本' },
  PDF: { ext: 'pdf', mime: 'application/pdf', family: 'pdf', badge: 'red', label: 'PDF' },
  PPT: { ext: 'ppt', mime: 'application/vnd.ms-powerpoint', family: 'slides', badge: 'orange', label: 'PowerPoint 97-2003' },
  PPTX: {
    ext: 'pptx',
    mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    family: 'slides',
    badge: 'orange',
    label: 'PowerPoint',
  },
  DPS: { ext: 'dps', mime: 'application/wps-office.dps', family: 'slides', badge: 'orange', label: 'WPS 演示' },
  ODP: { ext: 'odp', mime: 'application/vnd.oasis.opendocument.presentation', family: 'slides', badge: 'orange', label: 'OpenDocument 演示文稿' },
  XLS: { ext: 'xls', mime: 'application/vnd.ms-excel', family: 'sheet', badge: 'green', label: 'Excel 97-2003' },
  XLSX: {
    ext: 'xlsx',
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    family: 'sheet',
    badge: 'green',
    label: 'Excel',
  },
  ET: { ext: 'et', mime: 'application/wps-office.et', family: 'sheet', badge: 'green', label: 'WPS 表格' },
  ODS: { ext: 'ods', mime: 'application/vnd.oasis.opendocument.spreadsheet', family: 'sheet', badge: 'green', label: 'OpenDocument 表格' },
  TXT: { ext: 'txt', mime: 'text/plain; charset=utf-8', family: 'text', badge: 'gray', label: '纯文本' },
};

export function formatInfo(format: DocumentFormat): FormatInfo {
  return FORMATS[format];
}

export function isDocumentFormat(value: string): value is DocumentFormat {
  return (DOCUMENT_FORMATS as readonly string[]).includes(value);
}

/** Every extension a file of an accepted format may carry (the upload page's `accept`), incl. macro-free templates. */
export const ACCEPTED_EXTENSIONS: readonly string[] = [
  ...DOCUMENT_FORMATS.map((f) => FORMATS[f].ext),
  'dot',
  'dotx',
  'wpt',
  'ott',
  'pps',
  'ppsx',
  'pot',
  'potx',
  'xlt',
  'xltx',
  'ett',
  'ots',
  'otp',
];

/** Extensions stripped from the end of a title ("报告.docx" → "报告"), macro and template variants included. */
export const TITLE_EXTENSION = /\.(docx?|docm|dotx?|dotm|wps|wpt|rtf|odt|ott|fodt|pdf|pptx?|pptm|ppsx?|ppsm|potx?|potm|dps|dpt|odp|otp|xlsx?|xlsm|xlsb|xltx?|xltm|et|ett|ods|ots|txt)$/iu;

/** What pages call each family, in the order they list them. */
export const FAMILY_LABELS: Readonly<Record<FormatFamily, string>> = {
  word: 'Word',
  pdf: 'PDF',
  slides: '演示文稿',
  sheet: '表格',
  text: '纯文本',
};

/** The accepted formats by family, in the table's order: what every page's list is rendered from. */
export function formatsByFamily(): { family: FormatFamily; label: string; formats: DocumentFormat[] }[] {
  return (Object.keys(FAMILY_LABELS) as FormatFamily[]).map((family) => ({
    family,
    label: FAMILY_LABELS[family],
    formats: DOCUMENT_FORMATS.filter((f) => FORMATS[f].family === family),
  }));
}

/**
 * The accepted formats in one Chinese phrase, from the table: 「Word（.doc .docx …）、PDF、演示文稿（…）、表格（…）和纯文本（.txt）」.
 * A family of one format whose label is its extension (PDF) needs no brackets.
 */
export function acceptedFormatsText(): string {
  const parts = formatsByFamily().map(({ label, formats }) => {
    const exts = formats.map((f) => `.${FORMATS[f].ext}`);
    return formats.length === 1 && label === formats[0] ? label : `${label}（${exts.join(' ')}）`;
  });
  return `${parts.slice(0, -1).join('、')}和${parts[parts.length - 1]}`;
}

/** 「Word、PDF、演示文稿、表格、纯文本」: the families in a short phrase (titles, descriptions). */
export function acceptedFamiliesText(): string {
  return formatsByFamily().map((f) => f.label).join('、');
}
