// Where LibreOffice is: SOFFICE_PATH when set, else the first `soffice` (or `libreoffice`) on
// PATH, else null (then .doc files get a text-only preview; the worker logs how to install it).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves the LibreOffice binary; `searchPath` is the PATH value to search. */
export function resolveSofficePath(configured: string | undefined, searchPath: string | undefined): string | null {
  if (configured) return isExecutable(configured) ? configured : null;
  for (const dir of (searchPath ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of ['soffice', 'libreoffice']) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}
