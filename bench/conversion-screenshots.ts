// Page 1 of the notice-table and gov-report fixtures through the page preview (UNO PDF export +
// sandboxed MuPDF, 1000 px, watermark) next to LibreOffice's own one-shot rendering
// (`soffice --convert-to pdf` + `pdftoppm -png`, same width, system fonts, no aliases), saved to
// docs/screenshots/ so anyone can compare them.
//   npx tsx bench/conversion-screenshots.ts
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createConverter, renderPages } from '../src/conversion/index.js';
import { findSoffice } from '../src/conversion/libreoffice.js';

const CORPUS = [path.resolve(import.meta.dirname, '../../shared/corpus'), '/work/shared/corpus'].find((p) => existsSync(p))!;
const OUT = path.resolve(import.meta.dirname, '../docs/screenshots');
const FILES = ['zh-notice-table.doc', 'zh-gov-report-8p.doc'];

async function main() {
  const soffice = findSoffice(process.env.SOFFICE_PATH);
  if (!soffice) throw new Error('LibreOffice not found');
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'wk-shots-'));
  const converter = createConverter({ workDir: path.join(work, 'lo'), log: pino({ level: 'warn' }), sofficePath: soffice });
  try {
    for (const name of FILES) {
      const base = name.replace(/\.doc$/u, '');
      const input = path.join(CORPUS, 'generated', name);
      const dir = path.join(work, base);
      mkdirSync(dir);
      const pdf = await converter.exportPdf({ filePath: input, format: 'doc', outDir: dir });
      const [page] = await renderPages(pdf.pdfPath, [1], { outDir: dir, watermark: 'wenku.example 文库' });
      copyFileSync(page!.file, path.join(OUT, `${base}-p1-ours.png`));
      console.log(`${name}: ${pdf.pageCount} pages; fonts ${pdf.fontSubstitutions.map((f) => `${f.requested} → ${f.used}`).join(', ')}; ours ${page!.bytes} bytes`);
      const one = path.join(work, `${base}-oneshot`);
      spawnSync(soffice, ['--headless', `-env:UserInstallation=file://${work}/profile`, '--convert-to', 'pdf', '--outdir', one, input], { stdio: 'ignore', timeout: 120_000 });
      spawnSync('pdftoppm', ['-f', '1', '-l', '1', '-scale-to-x', '1000', '-scale-to-y', '-1', '-png', '-singlefile', path.join(one, `${base}.pdf`), path.join(OUT, `${base}-p1-libreoffice`)], { timeout: 60_000 });
    }
  } finally {
    await converter.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
