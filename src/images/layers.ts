/**
 * One layer, streamed: raw bytes (digest-checked by the source) → decompressed → tar entries → the
 * inventory collector. Nothing is written to disk; what the collector does not want is skipped as
 * it passes.
 */
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { EntryHeader, EntryType, InventoryCollector } from './collect.js';
import { decompressed, ImageReadError } from './streams.js';

function entryType(type: string | null | undefined): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
    case 'symlink':
    case 'link':
      return type;
    default:
      return 'other';
  }
}

/** Reads what is left of a raw (digest-checking) stream; the ImageReadError it ends with, if any. */
async function restOf(raw: Readable): Promise<ImageReadError | undefined> {
  const failed = (raw as Readable & { errored?: unknown }).errored;
  if (failed) return failed instanceof ImageReadError ? failed : undefined;
  if (raw.readableEnded || raw.destroyed) return undefined;
  raw.unpipe();
  return new Promise((resolve) => {
    raw.on('error', (e) => resolve(e instanceof ImageReadError ? e : undefined));
    raw.on('end', () => resolve(undefined));
    raw.resume();
  });
}

export async function readLayer(raw: Readable, collector: InventoryCollector, what: string, maxLayerBytes: number): Promise<void> {
  const bytes = await decompressed(raw, maxLayerBytes, what);
  const extract = tar.extract();
  bytes.on('error', (e: Error) => extract.destroy(e));
  bytes.pipe(extract);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const header: EntryHeader = { path: h.name, type: entryType(h.type), mode: h.mode ?? 0, size: h.size ?? 0 };
      if (h.linkname) header.linkname = h.linkname;
      await collector.entry(header, entry as unknown as Readable);
    }
  } catch (e) {
    bytes.destroy();
    if (e instanceof ImageReadError && e.limit) {
      raw.destroy();
      throw e;
    }
    // A corrupt blob usually breaks the decompressor or the tar reader before its end, where the
    // digest is checked: read the rest, so the error names the cause (a digest mismatch) when it is one.
    const digestError = await restOf(raw);
    if (digestError) throw digestError;
    if (e instanceof ImageReadError) throw e;
    throw new ImageReadError(`${what}: not a readable tar stream (${(e as Error).message})`);
  }
}
