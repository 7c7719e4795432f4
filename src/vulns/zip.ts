/**
 * Reading OSV's `all.zip` archives entry by entry from disk with yauzl (a maintained zip reader
 * that reads the central directory and streams one entry at a time, so an archive of hundreds of
 * megabytes is never held in memory). Limits on the number of entries and on each entry's size are
 * checked from the central directory before an entry is inflated, and again while inflating
 * (yauzl's validateEntrySizes); each entry's CRC-32 is checked against the directory's.
 */
import { readFileSync, statSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';

export interface ZipLimits {
  /** Entries in one archive (default 2,000,000; npm's archive holds a few hundred thousand). */
  maxEntries: number;
  /** Uncompressed bytes of one entry (default 16 MiB). */
  maxEntryBytes: number;
  /** Uncompressed bytes of the whole archive (default 8 GiB). */
  maxTotalBytes: number;
}

export const ZIP_LIMITS: ZipLimits = { maxEntries: 2_000_000, maxEntryBytes: 16 * 1024 * 1024, maxTotalBytes: 8 * 1024 * 1024 * 1024 };

/**
 * Archives up to this size are read into memory first (one read instead of several per entry: OSV
 * archives hold hundreds of thousands of small entries); larger ones are read from the file.
 */
const IN_MEMORY_BYTES = 512 * 1024 * 1024;

export class ZipError extends Error {}

/**
 * Calls `onEntry` with the name and bytes of every `.json` file entry, in archive order. Rejects with
 * ZipError naming the archive and the entry for anything over a limit or corrupt.
 */
export function readZipJsonEntries(file: string, onEntry: (name: string, bytes: Buffer) => void, limits: ZipLimits = ZIP_LIMITS): Promise<number> {
  return new Promise((resolve, reject) => {
    const options = { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true };
    const opened = (err: Error | null, zip: yauzl.ZipFile): void => {
      if (err || !zip) {
        reject(new ZipError(`${file}: not a readable zip archive: ${err?.message ?? 'unknown error'}`));
        return;
      }
      if (zip.entryCount > limits.maxEntries) {
        zip.close();
        reject(new ZipError(`${file}: ${zip.entryCount} entries, over the limit of ${limits.maxEntries}`));
        return;
      }
      let total = 0;
      let count = 0;
      let failed = false;
      const fail = (message: string): void => {
        if (failed) return;
        failed = true;
        zip.close();
        reject(new ZipError(`${file}: ${message}`));
      };
      zip.on('error', (e: Error) => fail(e.message));
      zip.on('end', () => {
        if (!failed) resolve(count);
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/') || !entry.fileName.endsWith('.json')) {
          zip.readEntry();
          return;
        }
        if (entry.uncompressedSize > limits.maxEntryBytes) {
          fail(`entry ${entry.fileName} is ${entry.uncompressedSize} bytes, over the limit of ${limits.maxEntryBytes}`);
          return;
        }
        total += entry.uncompressedSize;
        if (total > limits.maxTotalBytes) {
          fail(`more than ${limits.maxTotalBytes} bytes uncompressed, over the limit`);
          return;
        }
        if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
          fail(`entry ${entry.fileName}: compression method ${entry.compressionMethod} is not stored or deflate`);
          return;
        }
        // The compressed bytes are read as they are and inflated here in one call, bounded by the
        // size the directory declares: much cheaper than a stream per small entry.
        const onStream = (streamErr: Error | null, stream?: NodeJS.ReadableStream): void => {
          if (streamErr || !stream) {
            fail(`entry ${entry.fileName}: ${streamErr?.message ?? 'cannot be read'}`);
            return;
          }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (e: Error) => fail(`entry ${entry.fileName}: ${e.message}`));
          stream.on('end', () => {
            if (failed) return;
            let bytes: Buffer;
            try {
              const raw = Buffer.concat(chunks);
              bytes = entry.compressionMethod === 8 ? inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) }) : raw;
            } catch (e) {
              fail(`entry ${entry.fileName}: ${(e as Error).message.includes('Cannot create a Buffer larger') || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? `inflates past its declared ${entry.uncompressedSize} bytes` : `not inflatable: ${(e as Error).message}`}`);
              return;
            }
            if (bytes.length !== entry.uncompressedSize) {
              fail(`entry ${entry.fileName}: ${bytes.length} bytes where the directory declares ${entry.uncompressedSize}`);
              return;
            }
            if ((crc32(bytes) >>> 0) !== (entry.crc32 >>> 0)) {
              fail(`entry ${entry.fileName}: CRC-32 mismatch (the archive is corrupt)`);
              return;
            }
            count++;
            try {
              onEntry(entry.fileName, bytes);
            } catch (e) {
              fail(`entry ${entry.fileName}: ${(e as Error).message}`);
              return;
            }
            zip.readEntry();
          });
        };
        try {
          // yauzl refuses the decompress option on stored entries.
          if (entry.compressionMethod === 8) zip.openReadStream(entry, { decompress: false }, onStream);
          else zip.openReadStream(entry, onStream);
        } catch (e) {
          fail(`entry ${entry.fileName}: ${(e as Error).message}`);
        }
      });
      zip.readEntry();
    };
    let size: number;
    try {
      size = statSync(file).size;
    } catch (err) {
      reject(new ZipError(`${file}: ${(err as Error).message}`));
      return;
    }
    if (size <= IN_MEMORY_BYTES) yauzl.fromBuffer(readFileSync(file), options, opened);
    else yauzl.open(file, options, opened);
  });
}
