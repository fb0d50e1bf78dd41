# Wenku conversion bridge: keeps one LibreOffice running and drives it over UNO.
#
# Runs inside the bubblewrap sandbox (see ../libreoffice.ts), started by /usr/bin/python3 with
# Debian's python3-uno. It starts soffice itself, listening on a private pipe, then reads one JSON
# request per line on stdin and answers one JSON line on stdout. Any failure of the UNO connection
# ends this process with a non-zero code: the Node side restarts the whole sandbox.
#
# Request:  {"id": 1, "op": "convert", "input": "/job/x/in.doc", "output": "/job/x/out.docx",
#            "marker": "\ue000WKP", "pdf": "/job/x/out.pdf", "kind": "doc", "maxPages": 50}
#           ("pdf" optional: the page preview's PDF from the same load, stored first)
# Response: {"id": 1, "ok": true, "pageCount": 8, "markedPages": 7, "graphicsConverted": 0,
#            "listLabels": 18, "indented": 40, "pdf": {"ok": true, "app": "writer", ...}}
#           {"id": 1, "ok": false, "error": "load_failed", "detail": "..."}
#
# Request:  {"id": 2, "op": "pdf", "input": "/job/x/in.xlsx", "output": "/job/x/out.pdf",
#            "kind": "xlsx", "maxPages": 50}
# Response: {"id": 2, "ok": true, "app": "calc", "totalPages": 2000, "exportedPages": 50,
#            "fonts": ["宋体", "Arial"]}
import json
import os
import subprocess
import sys
import time
import traceback

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

SOFFICE = sys.argv[1]
PROFILE_URL = sys.argv[2]
PIPE = sys.argv[3]

# Raster formats a browser shows safely; everything else (WMF, EMF, SVG, TIFF, BMP…) becomes PNG.
SAFE_MIME = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def send(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def log(msg):
    sys.stderr.write("[bridge] " + msg + "\n")
    sys.stderr.flush()


def start_office():
    args = [
        SOFFICE,
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nodefault",
        "--nolockcheck",
        "--nofirststartwizard",
        "-env:UserInstallation=" + PROFILE_URL,
        "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % PIPE,
    ]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sys.stderr)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError("soffice exited during start-up with code %s" % proc.returncode)
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % PIPE)
            break
        except NoConnectException:
            if time.time() > deadline:
                raise RuntimeError("soffice did not accept a connection within 60 s")
            time.sleep(0.1)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return proc, ctx, smgr, desktop


def to_png(ctx, smgr, graphic, tmp_url):
    provider = smgr.createInstanceWithContext("com.sun.star.graphic.GraphicProvider", ctx)
    provider.storeGraphic(graphic, (prop("URL", tmp_url), prop("MimeType", "image/png")))
    return provider.queryGraphic((prop("URL", tmp_url),))


def convert_graphics(ctx, smgr, doc, work_dir):
    """Replaces vector and exotic images by PNG renderings, so the HTML only carries safe rasters."""
    converted = 0
    failed = 0
    graphics = doc.getGraphicObjects()
    for i, name in enumerate(graphics.getElementNames()):
        try:
            obj = graphics.getByName(name)
            graphic = obj.Graphic
            if graphic is None:
                continue
            mime = graphic.MimeType or ""
            if mime in SAFE_MIME:
                continue
            tmp_url = uno.systemPathToFileUrl(os.path.join(work_dir, "g%d.png" % i))
            obj.Graphic = to_png(ctx, smgr, graphic, tmp_url)
            converted += 1
        except Exception as e:  # one broken picture must not sink the document
            failed += 1
            log("graphic %s not converted: %s" % (name, e))
    return converted, failed


def page_starts(doc):
    """Text ranges where pages 2..N begin, from the laid-out view."""
    controller = doc.getCurrentController()
    vc = controller.getViewCursor()
    vc.jumpToLastPage()
    page_count = vc.getPage()
    starts = []
    for n in range(2, page_count + 1):
        if not vc.jumpToPage(n):
            continue
        vc.jumpToStartOfPage()
        if vc.getPage() != n:
            continue
        starts.append((n, vc.getStart()))
    return page_count, starts


def insert_markers(doc, starts, marker):
    marked = 0
    for n, rng in reversed(starts):
        try:
            text = rng.getText()
            text.insertString(rng, "%s%d\ue001" % (marker, n), False)
            marked += 1
        except Exception as e:
            log("page %d marker not inserted: %s" % (n, e))
    return marked


LOAD_PROPS = (
    prop("Hidden", True),
    prop("ReadOnly", False),
    prop("MacroExecutionMode", 0),  # NEVER_EXECUTE
    prop("UpdateDocMode", 0),  # NO_UPDATE: no link updates
    prop("Silent", True),
)


def paragraphs(text):
    """Every paragraph of a text, including those in table cells."""
    stack = [text.createEnumeration()]
    while stack:
        en = stack.pop()
        while en.hasMoreElements():
            el = en.nextElement()
            if el.supportsService("com.sun.star.text.TextTable"):
                for cell_name in el.getCellNames():
                    stack.append(el.getCellByName(cell_name).getText().createEnumeration())
            elif el.supportsService("com.sun.star.text.Paragraph"):
                yield el


def numbering_to_text(doc):
    """Writes automatic list labels (一、 （一） 1. （1） 5.2.1 a) …) into the text, as LibreOffice
    shows them, and removes the automatic numbering, so the .docx that mammoth reads keeps them.
    Also writes a paragraph's first-line indent as ideographic spaces (mammoth drops indents and
    the text view no longer indents every paragraph by 2 em). Returns (labels, indented)."""
    # First read every label, then change the text: removing one paragraph's numbering renumbers
    # the ones after it.
    todo = []
    for seen, par in enumerate(paragraphs(doc.getText())):
        if seen >= 50000:  # each paragraph costs a few UNO calls: bound the time on huge documents
            break
        try:
            label = par.getPropertyValue("ListLabelString") or ""
            if label and not par.getPropertyValue("NumberingIsNumber"):
                label = ""
            # Bullets (•, ▪, private-use symbol glyphs) stay a list; numbers become text.
            if label and not any(c.isalnum() for c in label):
                label = ""
            indent = par.getPropertyValue("ParaFirstLineIndent")  # 1/100 mm
            spaces = 0
            if indent > 0:
                # The em of the paragraph's first character (the paragraph's own size is its style's).
                first = par.getText().createTextCursorByRange(par.getStart())
                first.goRight(1, True)
                size = first.getPropertyValue("CharHeightAsian") or first.getPropertyValue("CharHeight") or 12
                em = size * 35.28  # pt → 1/100 mm
                spaces = min(int(round(indent / em)), 4) if indent > em * 0.5 else 0
            if label or (spaces and par.getString().strip()):
                todo.append((par, label, spaces))
        except Exception as e:
            log("list label / indent not read: %s" % e)
    labels = 0
    indented = 0
    for par, label, spaces in todo:
        try:
            head = par.getString()
            prefix = "\u3000" * spaces
            if label:
                prefix += label + ("" if ord(label[-1]) >= 0x2E80 else " ")
            # After a page marker at the paragraph's start, so the page still begins before it.
            cursor = par.getText().createTextCursorByRange(par.getStart())
            if head.startswith("\ue000WKP") and "\ue001" in head:
                cursor.goRight(head.index("\ue001") + 1, False)
            par.getText().insertString(cursor, prefix, False)
            if label:
                par.setPropertyValue("NumberingStyleName", "")
                if par.getPropertyValue("ListLabelString"):
                    par.setPropertyValue("NumberingIsNumber", False)
                labels += 1
            if spaces:
                indented += 1
        except Exception as e:
            log("list label / indent not converted: %s" % e)
    return labels, indented


def convert(ctx, smgr, desktop, req):
    in_url = uno.systemPathToFileUrl(req["input"])
    out_url = uno.systemPathToFileUrl(req["output"])
    doc = desktop.loadComponentFromURL(in_url, "_blank", 0, LOAD_PROPS)
    if doc is None:
        return {"ok": False, "error": "load_failed", "detail": "LibreOffice could not load the file"}
    try:
        if not doc.supportsService("com.sun.star.text.TextDocument"):
            return {"ok": False, "error": "not_text", "detail": "not a text document"}
        # The page preview's PDF from the same load, before markers, labels or images change it.
        pdf = store_pdf(doc, req.get("kind", ""), req["pdf"], int(req.get("maxPages") or 0)) if req.get("pdf") else None
        converted, failed = convert_graphics(ctx, smgr, doc, os.path.dirname(req["output"]))
        page_count, starts = page_starts(doc)
        marked = insert_markers(doc, starts, req["marker"]) if req.get("marker") else 0
        # After the page starts are known: the labels may lengthen lines, not move the markers.
        labels, indented = numbering_to_text(doc)
        doc.storeToURL(out_url, (prop("FilterName", "MS Word 2007 XML"),))
        return {
            "ok": True,
            "pageCount": page_count,
            "markedPages": marked,
            "graphicsConverted": converted,
            "graphicsFailed": failed,
            "listLabels": labels,
            "indented": indented,
            "pdf": pdf,
        }
    finally:
        try:
            doc.close(True)
        except Exception:
            doc.dispose()


def add_font(names, value):
    # Font names may be lists ("宋体;SimSun"): the first one is what the document asks for.
    if value:
        first = value.split(";")[0].strip()
        if first:
            names[first] = names.get(first, 0) + 1


def char_fonts(obj, names):
    for key in ("CharFontName", "CharFontNameAsian", "CharFontNameComplex"):
        try:
            add_font(names, obj.getPropertyValue(key))
        except Exception:
            pass


def writer_fonts(text, names, budget):
    """Fonts of the text portions actually present (body and tables), at most `budget` portions."""
    stack = [text.createEnumeration()]
    while stack and budget[0] > 0:
        en = stack.pop()
        while en.hasMoreElements() and budget[0] > 0:
            el = en.nextElement()
            if el.supportsService("com.sun.star.text.TextTable"):
                for cell_name in el.getCellNames():
                    stack.append(el.getCellByName(cell_name).getText().createEnumeration())
                continue
            if not el.supportsService("com.sun.star.text.Paragraph"):
                continue
            portions = el.createEnumeration()
            while portions.hasMoreElements() and budget[0] > 0:
                portion = portions.nextElement()
                budget[0] -= 1
                if not portion.getString().strip():
                    continue
                # Asian font for CJK text, Western font for the rest: count the ones in use.
                s = portion.getString()
                cjk = any(ord(c) >= 0x2E80 for c in s)
                latin = any(ord(c) < 0x2E80 and c.isalnum() for c in s)
                try:
                    if cjk:
                        add_font(names, portion.getPropertyValue("CharFontNameAsian"))
                    if latin or not cjk:
                        add_font(names, portion.getPropertyValue("CharFontName"))
                except Exception:
                    pass


def draw_fonts(doc, names, budget):
    pages = doc.getDrawPages()
    for i in range(pages.getCount()):
        page = pages.getByIndex(i)
        for j in range(page.getCount()):
            if budget[0] <= 0:
                return
            shape = page.getByIndex(j)
            budget[0] -= 1
            try:
                if shape.getString().strip():
                    char_fonts(shape, names)
            except Exception:
                pass


def calc_fonts(doc, names):
    styles = doc.getStyleFamilies().getByName("CellStyles")
    for name in ("Default",):
        if styles.hasByName(name):
            char_fonts(styles.getByName(name), names)
    sheets = doc.getSheets()
    for i in range(min(sheets.getCount(), 20)):
        sheet = sheets.getByIndex(i)
        try:
            cur = sheet.createCursor()
            cur.gotoEndOfUsedArea(False)
            last_col = min(cur.getRangeAddress().EndColumn, 50)
            last_row = min(cur.getRangeAddress().EndRow, 200)
            rng = sheet.getCellRangeByPosition(0, 0, last_col, last_row)
            # Unique formats of the used area (each a set of ranges sharing one format).
            fmts = rng.getUniqueCellFormatRanges()
            for k in range(min(fmts.getCount(), 200)):
                char_fonts(fmts.getByIndex(k), names)
        except Exception as e:
            log("calc fonts of sheet %d: %s" % (i, e))


def page_count(doc, app):
    """Pages as LibreOffice lays them out (Writer: the view's last page; others: the printer's count)."""
    try:
        if app == "writer":
            vc = doc.getCurrentController().getViewCursor()
            vc.jumpToLastPage()
            return vc.getPage()
        n = doc.getRendererCount(doc, (prop("IsPrinter", True),))
        return n if n > 0 else None
    except Exception as e:
        log("page count: %s" % e)
        return None


TEXT_FILTERS = {"txt": ("Text (encoded)", "UTF8")}


def set_a4_text(doc):
    """A decoded TXT: A4 pages, 2 cm margins, a Chinese Song face for Han text."""
    styles = doc.getStyleFamilies()
    for page_style in ("Standard", "Default Page Style"):
        ps = styles.getByName("PageStyles")
        if ps.hasByName(page_style):
            st = ps.getByName(page_style)
            st.setPropertyValue("Width", 21000)
            st.setPropertyValue("Height", 29700)
            for side in ("LeftMargin", "RightMargin", "TopMargin", "BottomMargin"):
                st.setPropertyValue(side, 2000)
    paras = styles.getByName("ParagraphStyles")
    for name in ("Standard", "Preformatted Text"):
        if paras.hasByName(name):
            st = paras.getByName(name)
            try:
                st.setPropertyValue("CharFontNameAsian", "Noto Serif CJK SC")
                st.setPropertyValue("CharFontName", "Liberation Serif")
                st.setPropertyValue("CharHeight", 11.0)
                st.setPropertyValue("CharHeightAsian", 11.0)
            except Exception as e:
                log("txt style %s: %s" % (name, e))


def export_pdf(ctx, smgr, desktop, req):
    """Loads any office document and stores it as PDF with LibreOffice's own page layout."""
    kind = req.get("kind", "")
    in_url = uno.systemPathToFileUrl(req["input"])
    load = list(LOAD_PROPS)
    if kind in TEXT_FILTERS:
        name, options = TEXT_FILTERS[kind]
        load += [prop("FilterName", name), prop("FilterOptions", options)]
    doc = desktop.loadComponentFromURL(in_url, "_blank", 0, tuple(load))
    if doc is None:
        return {"ok": False, "error": "load_failed", "detail": "LibreOffice could not load the file"}
    try:
        # Anything LibreOffice cannot recognise opens as plain text: for a file that is meant to be
        # an office document that means damaged or disguised, not a text to preview.
        if kind != "txt" and opened_as_text(doc):
            return {"ok": False, "error": "load_failed", "detail": "not a %s document (opened as text)" % kind}
        return store_pdf(doc, kind, req["output"], int(req.get("maxPages") or 0))
    finally:
        try:
            doc.close(True)
        except Exception:
            doc.dispose()


def opened_as_text(doc):
    for a in doc.getArgs():
        if a.Name == "FilterName":
            return (a.Value or "").startswith("Text")
    return False


def store_pdf(doc, kind, output, max_pages):
    """Stores a loaded document as PDF with LibreOffice's own page layout."""
    names = {}
    budget = [20000]
    if doc.supportsService("com.sun.star.text.TextDocument"):
        app, filt = "writer", "writer_pdf_Export"
        if kind == "txt":
            set_a4_text(doc)
        writer_fonts(doc.getText(), names, budget)
    elif doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
        app, filt = "calc", "calc_pdf_Export"
        calc_fonts(doc, names)
    elif doc.supportsService("com.sun.star.presentation.PresentationDocument"):
        app, filt = "impress", "impress_pdf_Export"
        draw_fonts(doc, names, budget)
    elif doc.supportsService("com.sun.star.drawing.DrawingDocument"):
        app, filt = "draw", "draw_pdf_Export"
        draw_fonts(doc, names, budget)
    else:
        return {"ok": False, "error": "unknown_document", "detail": "not a text, spreadsheet or presentation"}
    total = page_count(doc, app)
    filter_data = [
        # Keep the blank pages Writer inserts (odd/even page starts): PDF pages = layout pages.
        prop("IsSkipEmptyPages", False),
        prop("ExportBlankPages", True),
        prop("ExportNotes", False),
        prop("ExportNotesPages", False),
        prop("ExportOnlyNotesPages", False),
        prop("ExportBookmarks", False),
        prop("ExportFormFields", False),
        prop("ExportLinksRelativeFsys", False),
        prop("ConvertOOoTargetToPDFTarget", False),
        prop("UseTaggedPDF", False),
        prop("EmbedStandardFonts", True),
        prop("Quality", 90),
        prop("MaxImageResolution", 300),
        prop("ReduceImageResolution", True),
    ]
    exported = total
    if max_pages > 0 and total is not None and total > max_pages:
        filter_data.append(prop("PageRange", "1-%d" % max_pages))
        exported = max_pages
    store = (
        prop("FilterName", filt),
        prop("FilterData", uno.Any("[]com.sun.star.beans.PropertyValue", tuple(filter_data))),
    )
    uno.invoke(doc, "storeToURL", (uno.systemPathToFileUrl(output), store))
    fonts = sorted(names, key=lambda n: -names[n])[:50]
    return {"ok": True, "app": app, "totalPages": total, "exportedPages": exported, "fonts": fonts}


def main():
    try:
        proc, ctx, smgr, desktop = start_office()
    except Exception as e:
        send({"id": 0, "ok": False, "error": "start_failed", "detail": str(e)})
        sys.exit(3)
    send({"id": 0, "ok": True, "ready": True})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        if req.get("op") == "quit":
            break
        try:
            if req.get("op") == "pdf":
                res = export_pdf(ctx, smgr, desktop, req)
            else:
                res = convert(ctx, smgr, desktop, req)
        except Exception as e:
            # A lost connection means soffice is gone: say so and exit so that Node restarts us.
            name = type(e).__name__
            alive = proc.poll() is None
            send({"id": req.get("id"), "ok": False, "error": "uno_error" if alive else "office_died",
                  "detail": "%s: %s" % (name, str(e)[:500])})
            if not alive or name in ("DisposedException", "RuntimeException"):
                log(traceback.format_exc())
                sys.exit(4)
            continue
        res["id"] = req.get("id")
        send(res)
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        proc.wait(timeout=10)
    except Exception:
        proc.kill()


if __name__ == "__main__":
    main()
