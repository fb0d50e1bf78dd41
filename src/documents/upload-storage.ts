// Multer storage for uploads: the file part streams to a temporary file in DATA_DIR/tmp while
// SHA-256 and the byte count are computed on the way, so no upload is ever held in memory and
// the hash needs no second read. On any failure the temporary file is removed. The file's name
// says which process writes it (src/jobs/liveness.ts), so after a crash the start-up sweep
// removes it at once and never touches another live process's upload.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import type { Config } from '../config.js';
import { multipartParseError } from '../http/error-handler.js';
import { ownedName, thisProcess, type ProcessIdentity } from '../jobs/liveness.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-namespace
    namespace Multer {
      interface File {
        /** Hex SHA-256 of the bytes, computed while they were written. */
        sha256?: string;
      }
    }
  }
}

export const uploadTempDir = (config: Pick<Config, 'dataDir'>) => path.join(config.dataDir, 'tmp');

class HashingTempStorage implements multer.StorageEngine {
  constructor(
    private readonly dir: string,
    private readonly owner: ProcessIdentity,
  ) {}

  _handleFile(_req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const tempPath = path.join(this.dir, ownedName('upload', this.owner));
    // Known to multer before the first byte is written, so its abort clean-up (client gone
    // mid-upload) removes the file even while we are still writing it.
    file.path = tempPath;
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    mkdir(this.dir, { recursive: true })
      .then(() => pipeline(file.stream, measure, createWriteStream(tempPath, { flags: 'wx', mode: 0o600 })))
      .then(
        () => callback(null, { path: tempPath, size, sha256: hash.digest('hex') }),
        async (err: unknown) => {
          await rm(tempPath, { force: true }).catch(() => undefined);
          callback(err);
        },
      );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    if (!file.path) return callback(null);
    rm(file.path, { force: true }).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }
}

/**
 * Parses a multipart upload with one file field `file` and a few short text fields.
 * Over MAX_UPLOAD_BYTES → 413 file_too_large (the error handler maps multer's limit errors).
 */
export function uploadMiddleware(config: Pick<Config, 'dataDir' | 'maxUploadBytes'>, owner: ProcessIdentity = thisProcess): RequestHandler {
  const parse = multer({
    storage: new HashingTempStorage(uploadTempDir(config), owner),
    defParamCharset: 'utf8', // browsers send UTF-8 file names without saying so; Chinese names survive
    limits: {
      fileSize: config.maxUploadBytes,
      files: 1,
      fields: 12,
      fieldSize: 16 * 1024, // a 2,000-character description in UTF-8 is at most 8 KB
      fieldNameSize: 64,
      parts: 13,
      headerPairs: 50,
    },
  }).single('file');
  return (req, res, next) => parse(req, res, (err?: unknown) => next(err === undefined ? undefined : multipartParseError(err)));
}
