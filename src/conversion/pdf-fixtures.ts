// Hand-written PDFs for the renderer's hostile-input tests (tests only): exact byte offsets in the
// xref table, so every reader takes them as valid rather than repairing them.
export interface PdfPageSpec {
  mediaBox?: [number, number, number, number];
  /** Content stream (uncompressed). */
  content: string;
  /** Extra resources dictionary text, e.g. "/XObject << /X0 5 0 R >>". */
  resources?: string;
}

/** A PDF whose objects are given as bodies ("<< ... >>" or "<< ... >>\nstream\n…\nendstream"). */
export function buildPdfObjects(objects: string[]): Buffer {
  const parts: string[] = ['%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n'];
  const offsets: number[] = [];
  let len = Buffer.byteLength(parts[0]!, 'latin1');
  objects.forEach((body, i) => {
    offsets.push(len);
    const obj = `${i + 1} 0 obj\n${body}\nendobj\n`;
    parts.push(obj);
    len += Buffer.byteLength(obj, 'latin1');
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(xref, `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${len}\n%%EOF\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

export function stream(content: string, dict = ''): string {
  return `<< ${dict} /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
}

/** Object 1 catalog, 2 page tree, 3 font (Helvetica), then pages; `shared` objects come after. */
export function buildPdf(pages: PdfPageSpec[], shared: string[] = []): Buffer {
  const first = 4;
  const pageObjs: string[] = [];
  const kids: string[] = [];
  pages.forEach((p, i) => {
    const pageNo = first + i * 2;
    kids.push(`${pageNo} 0 R`);
    const box = (p.mediaBox ?? [0, 0, 595, 842]).join(' ');
    pageObjs.push(`<< /Type /Page /Parent 2 0 R /MediaBox [${box}] /Contents ${pageNo + 1} 0 R /Resources << /Font << /F1 3 0 R >> ${p.resources ?? ''} >> >>`);
    pageObjs.push(stream(p.content));
  });
  return buildPdfObjects([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ...pageObjs,
    ...shared,
  ]);
}

/** Text at (72, 720) on an A4 page. */
export function textPage(text: string, mediaBox?: [number, number, number, number]): PdfPageSpec {
  return { mediaBox, content: `BT /F1 24 Tf 72 720 Td (${text}) Tj ET` };
}

/** A page that draws one XObject which draws the next ten times, `depth` deep: 10^depth fills. */
export function foreverPdf(depth = 9): Buffer {
  const pageCount = 1;
  const firstX = 4 + pageCount * 2; // object number of X0
  const xobjs: string[] = [];
  for (let d = 0; d < depth; d++) {
    const next = d + 1 < depth ? `/X${d + 1} ${firstX + d + 1} 0 R` : '';
    const body = d + 1 < depth
      ? Array.from({ length: 10 }, (_, i) => `q 1 0 0 1 ${i * 0.1} 0 cm /X${d + 1} Do Q`).join('\n')
      : '0 0 500 700 re f';
    xobjs.push(stream(body, `/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << ${next} >> >>`));
  }
  return buildPdf([{ content: '/X0 Do', resources: `/XObject << /X0 ${firstX} 0 R >>` }], xobjs);
}

/** `count` pages sharing one content stream (the page tree is flat). */
export function manyPagesPdf(count: number): Buffer {
  const kids = Array.from({ length: count }, (_, i) => `${5 + i} 0 R`);
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${count} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    stream('BT /F1 24 Tf 72 720 Td (page) Tj ET'),
    ...Array.from({ length: count }, () => '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> >> >>'),
  ];
  return buildPdfObjects(objs);
}
