// Page images from a PDF, run by `mutool run` (MuPDF's own JavaScript interpreter, not Node) inside
// the sandbox (see render.ts). One process loads the PDF once and renders every requested page:
//   mutool run mupdf-pages.js info   PDF MAXPAGES
//   mutool run mupdf-pages.js render PDF OUTDIR PAGES WIDTHPX MAXHEIGHTPX WATERMARK FONTFILE
// PAGES is "1,2,3" (1-based). Prints one JSON line per page on stdout.
// A page is never rendered larger than WIDTHPX × MAXHEIGHTPX: an enormous or absurdly tall media
// box is scaled down to fit (its `clamped` is true), so no page can ask for a huge pixmap.
// Pages without colour are rendered in grey (smaller PNGs); colour is detected on a 64 px preview.
/* global quit, scriptArgs, Document, Scale, Concat, Rotate, Translate, Identity, DeviceRGB, DeviceGray, DrawDevice, Text, Font, print */
'use strict';

var mode = scriptArgs[0];
var doc = new Document(scriptArgs[1]);
if (doc.needsPassword()) {
  print(JSON.stringify({ error: 'password' }));
  quit(2);
}
var count = doc.countPages();

function size(page) {
  var b = page.bound();
  return { x: b[0], y: b[1], w: b[2] - b[0], h: b[3] - b[1] };
}

function hasColour(page, box) {
  var s = 64 / Math.max(box.w, 1);
  if (box.h * s > 512) s = 512 / Math.max(box.h, 1);
  var pix = page.toPixmap(Scale(s, s), DeviceRGB, false);
  var w = pix.getWidth();
  var h = pix.getHeight();
  for (var y = 0; y < h; y++) {
    for (var x = 0; x < w; x++) {
      var r = pix.getSample(x, y, 0);
      var g = pix.getSample(x, y, 1);
      var b = pix.getSample(x, y, 2);
      if (Math.max(r, g, b) - Math.min(r, g, b) > 24) return true;
    }
  }
  return false;
}

function watermark(dev, font, text, w, h) {
  // Faint grey text at -30°, repeated over the whole page.
  var em = Math.max(14, Math.round(w / 22));
  var stepX = em * (text.length + 4);
  var stepY = em * 6;
  var t = new Text();
  for (var y = -h; y < h * 2; y += stepY) {
    for (var x = -w; x < w * 2; x += stepX) {
      t.showString(font, Concat(Concat(Scale(em, -em), Rotate(-30)), Translate(x + (y / stepY) * em * 2, y)), text, 0);
    }
  }
  dev.fillText(t, Identity, DeviceGray, [0.5], 0.12);
}

if (mode === 'info') {
  var max = Math.min(count, parseInt(scriptArgs[2], 10) || count);
  print(JSON.stringify({ pages: count }));
  for (var i = 0; i < max; i++) {
    var sz = size(doc.loadPage(i));
    print(JSON.stringify({ number: i + 1, widthPt: sz.w, heightPt: sz.h }));
  }
} else if (mode === 'render') {
  var outDir = scriptArgs[2];
  var pages = scriptArgs[3].split(',');
  var widthPx = parseInt(scriptArgs[4], 10);
  var maxHeightPx = parseInt(scriptArgs[5], 10);
  var mark = scriptArgs[6] || '';
  var font = mark ? new Font(scriptArgs[7]) : null;
  print(JSON.stringify({ pages: count }));
  for (var k = 0; k < pages.length; k++) {
    var n = parseInt(pages[k], 10);
    if (!(n >= 1 && n <= count)) {
      print(JSON.stringify({ number: n, error: 'no_such_page' }));
      continue;
    }
    var page = doc.loadPage(n - 1);
    var box = size(page);
    var scale = widthPx / Math.max(box.w, 1);
    // PDF pages are at most 14,400 units a side; anything larger is hostile or broken.
    var clamped = box.w > 14400 || box.h > 14400;
    if (box.h * scale > maxHeightPx) {
      scale = maxHeightPx / Math.max(box.h, 1);
      clamped = true;
    }
    var colour = hasColour(page, box);
    // Translate so that a media box not starting at 0,0 still lands at the pixmap's origin.
    var ctm = Concat(Translate(-box.x, -box.y), Scale(scale, scale));
    var pix = page.toPixmap(ctm, colour ? DeviceRGB : DeviceGray, false);
    if (font) {
      var dev = new DrawDevice(Identity, pix);
      watermark(dev, font, mark, pix.getWidth(), pix.getHeight());
      dev.close();
    }
    var file = outDir + '/page-' + n + '.png';
    pix.saveAsPNG(file);
    print(JSON.stringify({ number: n, file: file, width: pix.getWidth(), height: pix.getHeight(), widthPt: box.w, heightPt: box.h, colour: colour, clamped: clamped }));
  }
} else {
  print(JSON.stringify({ error: 'unknown mode' }));
  quit(2);
}
