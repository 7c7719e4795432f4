/**
 * Byte streams of image blobs: digest verification as bytes pass (nothing is kept), size limits,
 * and decompression chosen by the bytes themselves (gzip, zstd or a plain tar), since media types
 * lie often enough (docker save writes uncompressed layers under any name).
 *
 * zstd: Node's zlib has a zstd decoder only from Node 22.15; on Node 20 fzstd (the pure-JS
 * decoder by the author of fflate, already a dependency for archives) does it.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';

/** A limit of kshield image was reached, or a blob is not what it claims to be: the message says which and where. */
export class ImageReadError extends Error {
  /** A limit (--max-*) stopped the read: nothing more of the image is worth reading. */
  readonly limit: boolean;

  constructor(message: string, options: { limit?: boolean } = {}) {
    super(message);
    this.limit = options.limit === true;
  }
}

const DIGEST = /^(sha256|sha512):([a-f0-9]+)$/;

/** "1.5 GiB", "512 MiB", "300 B". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * Passes bytes through, hashing them; fails the stream when more than `maxBytes` pass, or at the
 * end when the hash is not `expected` (when one is given: docker save's legacy layers have none
 * of their own but the config's diff_id).
 */
export function verifying(expected: string | undefined, maxBytes: number, what: string): Transform {
  const m = expected ? DIGEST.exec(expected) : null;
  if (expected && !m) throw new ImageReadError(`${what}: unsupported digest "${expected.slice(0, 80)}"`);
  const hash = m ? createHash(m[1]) : undefined;
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      size += chunk.length;
      if (size > maxBytes) return done(new ImageReadError(`${what} is larger than the ${formatBytes(maxBytes)} limit (--max-layer-size)`, { limit: true }));
      hash?.update(chunk);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      if (hash && m && hash.digest('hex') !== m[2]) return done(new ImageReadError(`${what}: its content does not match its digest ${expected} (corrupt or tampered)`));
      done();
    },
  });
}

export type Compression = 'gzip' | 'zstd' | 'none';

export function compressionOf(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

function zstdTransform(): Transform {
  const native = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (typeof native === 'function') return native();
  let decoder: ZstdDecompress;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        decoder.push(chunk);
        done();
      } catch (e) {
        done(new ImageReadError(`not a valid zstd stream (${(e as Error).message})`));
      }
    },
    flush(done: TransformCallback) {
      try {
        decoder.push(new Uint8Array(0), true);
        done();
      } catch (e) {
        done(new ImageReadError(`a truncated or invalid zstd stream (${(e as Error).message})`));
      }
    },
  });
  decoder = new ZstdDecompress((data) => {
    // fzstd reuses its window buffer: copy before handing the bytes on.
    if (data.length > 0) t.push(Buffer.from(data));
  });
  return t;
}

/** Waits for the stream's first bytes and puts them back: what the compression detection looks at. */
async function peek(raw: Readable): Promise<Buffer> {
  for (;;) {
    const chunk = raw.read() as Buffer | null;
    if (chunk !== null) {
      raw.unshift(chunk);
      return chunk;
    }
    if (raw.readableEnded || raw.destroyed) return Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        raw.off('readable', onReadable);
        raw.off('end', onReadable);
        raw.off('error', onError);
      };
      const onReadable = (): void => {
        cleanup();
        resolve();
      };
      const onError = (e: Error): void => {
        cleanup();
        reject(e);
      };
      raw.once('readable', onReadable);
      raw.once('end', onReadable);
      raw.once('error', onError);
    });
    if (raw.readableEnded) return Buffer.alloc(0);
  }
}

/**
 * The uncompressed bytes of a layer: its first bytes say gzip, zstd or plain tar. The uncompressed
 * size is bounded too (a small gzip can expand enormously).
 */
export async function decompressed(raw: Readable, maxBytes: number, what: string): Promise<Readable> {
  let size = 0;
  const limiter = new Transform({
    highWaterMark: 256 * 1024,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      size += chunk.length;
      if (size > maxBytes) return done(new ImageReadError(`${what} unpacks to more than the ${formatBytes(maxBytes)} limit (--max-layer-size)`, { limit: true }));
      done(null, chunk);
    },
  });
  // Listened to before the first read: a small layer can be read whole, and fail its digest check,
  // while its first bytes are looked at, and an error with no listener would end the process.
  let failure: Error | undefined;
  let piped = false;
  raw.on('error', (e: Error) => {
    failure = e;
    if (piped) limiter.destroy(e);
  });
  const kind = compressionOf(await peek(raw).catch((e: unknown) => {
    throw failure ?? e;
  }));
  if (failure) throw failure;
  piped = true;
  if (kind === 'none') return raw.pipe(limiter);
  const decoder = kind === 'gzip' ? zlib.createGunzip({ chunkSize: 128 * 1024 }) : zstdTransform();
  decoder.on('error', (e: Error) =>
    limiter.destroy(e instanceof ImageReadError ? new ImageReadError(`${what}: ${e.message}`) : new ImageReadError(`${what}: cannot be decompressed as ${kind} (${(e as NodeJS.ErrnoException).code ?? e.message})`)),
  );
  return raw.pipe(decoder).pipe(limiter);
}
