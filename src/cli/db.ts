/** `kshield db update` and `kshield db status`: the local OSV database. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { EXIT, UsageError } from '../core/errors.js';
import { databaseAgeMs, describeAge, IndexDatabase, INDEX_FILE } from '../vulns/db.js';
import { DEFAULT_ECOSYSTEMS, DEFAULT_MIRROR, defaultCacheDir, osvCacheDir, updateDatabase, UPDATE_LIMITS, type ProgressBar } from '../vulns/update.js';
import { parseAge } from './vuln-options.js';
import { writeOutput } from './output.js';

export interface DbUpdateFlags {
  mirror?: string;
  cacheDir?: string;
  ecosystem: string[];
  full?: boolean;
  requireChecksum?: boolean;
  progress: boolean;
  maxArchiveSize?: string;
  timeout: string;
}

function parseSize(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/i.exec(value.trim());
  if (!m) throw new UsageError(`--max-archive-size: expected a size such as 2GiB or 500MiB, got "${value}"`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const factor: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 };
  return Math.floor(Number(m[1]) * factor[unit]);
}

/** A cli-progress bar on standard error, only when it is a terminal. */
function progressFactory(enabled: boolean): ((label: string, unit: 'bytes' | 'records') => ProgressBar) | undefined {
  if (!enabled || !process.stderr.isTTY) return undefined;
  return (label, unit) => {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: `${label.padEnd(24)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5, formatValue: (v, _o, type) => (unit === 'bytes' && (type === 'value' || type === 'total') ? humanBytes(v) : String(v)) },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(value, total) {
        if (!started) {
          bar.start(total ?? 0, value);
          started = true;
        } else {
          if (total !== undefined && bar.getTotal() !== total) bar.setTotal(total);
          bar.update(value);
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  };
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export async function runDbUpdate(flags: DbUpdateFlags): Promise<number> {
  const baseUrl = flags.mirror ?? DEFAULT_MIRROR;
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new UsageError(`--mirror: "${baseUrl}" is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UsageError(`--mirror: only http and https URLs are supported, got "${parsed.protocol}"`);
  const ecosystems = flags.ecosystem.length > 0 ? flags.ecosystem : DEFAULT_ECOSYSTEMS;
  const cacheDir = flags.cacheDir ?? defaultCacheDir();
  const limits = flags.maxArchiveSize ? { ...UPDATE_LIMITS, maxArchiveBytes: parseSize(flags.maxArchiveSize) } : UPDATE_LIMITS;
  const idleTimeoutMs = parseAge(flags.timeout, '--timeout');
  const lines: string[] = [];
  const result = await updateDatabase({
    cacheDir,
    baseUrl,
    ecosystems,
    full: flags.full,
    requireChecksum: flags.requireChecksum,
    limits,
    idleTimeoutMs,
    progress: progressFactory(flags.progress),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const failed = result.outcomes.filter((o) => o.mode === 'failed');
  if (result.index) {
    lines.push(`index: ${result.indexFile} (${result.index.records} advisories, ${result.index.ecosystems.length} ecosystem releases, ${humanBytes(result.indexBytes!)}, built in ${(result.buildMs! / 1000).toFixed(1)} s)`);
  }
  for (const p of result.problems.slice(0, 20)) lines.push(`warning: ${p}`);
  if (result.problems.length > 20) lines.push(`warning: ... and ${result.problems.length - 20} more records not readable`);
  if (failed.length > 0) lines.push(`${failed.length} of ${result.outcomes.length} ecosystem(s) failed: ${failed.map((f) => f.ecosystem).join(', ')}${result.index ? ' (the index holds what they had before)' : ''}`);
  await writeOutput({ format: 'table' }, lines.join('\n'));
  return failed.length > 0 || !result.index ? EXIT.usage : EXIT.clean;
}

export async function runDbStatus(flags: { cacheDir?: string; maxDbAge: string; output: string }): Promise<number> {
  const maxAgeMs = parseAge(flags.maxDbAge);
  const file = path.join(osvCacheDir(flags.cacheDir ?? defaultCacheDir()), INDEX_FILE);
  if (!existsSync(file)) throw new UsageError(`no vulnerability database at ${file}: run \`kshield db update\``);
  const db = new IndexDatabase(file);
  const info = db.info;
  db.close();
  const ageMs = databaseAgeMs(info);
  const stale = ageMs === undefined || ageMs > maxAgeMs;
  if (flags.output === 'json') {
    await writeOutput({ format: 'json' }, JSON.stringify({ ...info, ageSeconds: ageMs === undefined ? null : Math.round(ageMs / 1000), stale }, null, 2));
    return EXIT.clean;
  }
  const lines = [`OSV database: ${file}`, `  ${info.records} advisories; updated ${info.updatedAt}${ageMs !== undefined ? ` (${describeAge(ageMs)} ago)` : ''}`];
  if (stale) lines.push(`warning: older than ${describeAge(maxAgeMs)} (--max-db-age): run \`kshield db update\``);
  for (const s of info.sources ?? []) lines.push(`  ${s.ecosystem}: ${s.records} records + ${s.incremental} updated since, fetched ${s.fetchedAt} from ${s.url}, checksum ${s.checksum}`);
  await writeOutput({ format: 'table' }, lines.join('\n'));
  return EXIT.clean;
}
