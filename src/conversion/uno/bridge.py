# Wenku conversion bridge: keeps one LibreOffice running and drives it over UNO.
#
# Runs inside the bubblewrap sandbox (see ../libreoffice.ts), started by /usr/bin/python3 with
# Debian's python3-uno. It starts soffice itself, listening on a private pipe, then reads one JSON
# request per line on stdin and answers one JSON line on stdout. Any failure of the UNO connection
# ends this process with a non-zero code: the Node side restarts the whole sandbox.
#
# Request:  {"id": 1, "op": "convert", "input": "/job/x/in.doc", "output": "/job/x/out.docx",
#            "marker": "\ue000WKP"}
# Response: {"id": 1, "ok": true, "pageCount": 8, "markedPages": 7, "graphicsConverted": 0}
#           {"id": 1, "ok": false, "error": "load_failed", "detail": "..."}
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


def convert(ctx, smgr, desktop, req):
    in_url = uno.systemPathToFileUrl(req["input"])
    out_url = uno.systemPathToFileUrl(req["output"])
    load_props = (
        prop("Hidden", True),
        prop("ReadOnly", False),
        prop("MacroExecutionMode", 0),  # NEVER_EXECUTE
        prop("UpdateDocMode", 0),  # NO_UPDATE: no link updates
        prop("Silent", True),
    )
    doc = desktop.loadComponentFromURL(in_url, "_blank", 0, load_props)
    if doc is None:
        return {"ok": False, "error": "load_failed", "detail": "LibreOffice could not load the file"}
    try:
        if not doc.supportsService("com.sun.star.text.TextDocument"):
            return {"ok": False, "error": "not_text", "detail": "not a text document"}
        converted, failed = convert_graphics(ctx, smgr, doc, os.path.dirname(req["output"]))
        page_count, starts = page_starts(doc)
        marked = insert_markers(doc, starts, req["marker"]) if req.get("marker") else 0
        doc.storeToURL(out_url, (prop("FilterName", "MS Word 2007 XML"),))
        if req.get("pdf"):
            doc.storeToURL(uno.systemPathToFileUrl(req["pdf"]), (prop("FilterName", "writer_pdf_Export"),))
        return {
            "ok": True,
            "pageCount": page_count,
            "markedPages": marked,
            "graphicsConverted": converted,
            "graphicsFailed": failed,
        }
    finally:
        try:
            doc.close(True)
        except Exception:
            doc.dispose()


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
