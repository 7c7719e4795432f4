/**
 * Baseline files: the fingerprints of accepted findings, so a scan reports only new ones.
 * Fingerprints ignore line numbers (see engine.fingerprint), so moving code keeps them valid.
 */
import { promises as fs } from 'node:fs';
import type { Finding } from './types.js';
import { withRelated } from './fold.js';

export interface BaselineFile {
  kshieldBaseline: 1;
  generated: string;
  findings: { fingerprint: string; rule: string; resource: string; path: string }[];
}

export class BaselineError extends Error {}

/**
 * Every finding not suppressed otherwise, and every finding folded into one as related (each keeps
 * its fingerprint): the baseline then still matches each of them, whichever is reported first later.
 */
export function buildBaseline(findings: readonly Finding[], now = new Date()): BaselineFile {
  const seen = new Set<string>();
  const entries: BaselineFile['findings'] = [];
  for (const { finding: f } of withRelated(findings)) {
    if (f.suppressed && f.suppression?.kind !== 'baseline') continue;
    if (seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    const r = f.resource;
    entries.push({ fingerprint: f.fingerprint, rule: f.rule, resource: `${r.kind}/${r.namespace ? r.namespace + '/' : ''}${r.name}`, path: f.path });
  }
  entries.sort((a, b) => (a.resource + a.rule + a.path < b.resource + b.rule + b.path ? -1 : 1));
  return { kshieldBaseline: 1, generated: now.toISOString(), findings: entries };
}

/** A baseline of a million findings is about 150 MB; anything larger is not one. */
const MAX_BASELINE_BYTES = 256 * 1024 * 1024;

export async function readBaseline(file: string): Promise<Set<string>> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_BASELINE_BYTES) throw new BaselineError(`${file}: baseline file is larger than ${MAX_BASELINE_BYTES / 1024 / 1024} MiB`);
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof BaselineError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new BaselineError(`${file}: ${code === 'ENOENT' ? 'baseline file not found (create it with --write-baseline)' : `cannot read baseline: ${code}`}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the error, which could be anything, secrets included.
    const at = /position (\d+)/.exec((err as Error).message);
    const where = at ? ` at line ${lineOf(text, Number(at[1]))}` : '';
    throw new BaselineError(`${file}: baseline is not valid JSON${where} (expected a file written by --write-baseline)`);
  }
  const d = data as Partial<BaselineFile>;
  if (d?.kshieldBaseline !== 1 || !Array.isArray(d.findings)) throw new BaselineError(`${file}: not a kshield baseline file (expected "kshieldBaseline": 1 and a "findings" list)`);
  const set = new Set<string>();
  d.findings.forEach((e, i) => {
    if (typeof e?.fingerprint !== 'string') throw new BaselineError(`${file}: findings[${i}] has no fingerprint`);
    set.add(e.fingerprint);
  });
  return set;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
