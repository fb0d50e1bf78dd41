#!/usr/bin/env bash
# System packages Wenku needs: LibreOffice (writer, calc, impress, headless, with the Python UNO
# bridge) for office formats, poppler/qpdf/mupdf for PDF checks, page images and text layers, the fonts that make Chinese layout faithful, bubblewrap to sandbox the
# converter, Chromium for the browser tests, nginx for the benchmarks' baseline and the multi-node test,
# pgbouncer for the transaction-pooling tests.
# Idempotent: does nothing when everything is already installed.
# With --optional (used by `npm start`), a machine where they cannot be installed still starts:
# .doc files then get a text-only preview and the log says how to install LibreOffice.
set -euo pipefail
optional=0
[ "${1:-}" = "--optional" ] && optional=1
PACKAGES=(libreoffice-writer libreoffice-calc libreoffice-impress python3-uno
  poppler-utils qpdf mupdf-tools
  fonts-noto-cjk fonts-noto-cjk-extra fonts-arphic-ukai fonts-arphic-uming fonts-lxgw-wenkai
  fonts-wqy-zenhei fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea
  bubblewrap chromium nginx-light pgbouncer)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing system packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
  exit $((1 - optional))
fi
echo "installing: ${missing[*]}"
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"; }; then
  echo "could not install: ${missing[*]}" >&2
  exit $((1 - optional))
fi
