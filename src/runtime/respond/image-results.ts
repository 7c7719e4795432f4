/**
 * `kshield respond --images FILE`: image results whose vulnerable packages posture links to an
 * alert's pod (runtime/posture.ts matches them to its containers by image reference or by the digest
 * that runs). The file holds what kshield writes:
 *
 * - `kshield image REF -o json`: one report (`subject`, `packages`, `vulnerabilities`), several of
 *   them one after the other (the output of a loop over images), or a JSON array of them;
 * - `kshield scan --images -o json`: its `vulnerable-package` findings on `ContainerImage` objects,
 *   read back from their message (package, version and vulnerability id; the fixed version when
 *   the message names it).
 *
 * Vulnerabilities an exemption or the baseline suppressed are left out: posture shows what is open.
 * Bad input is a usage error naming the file and what is wrong; limits on size and count.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import type { Severity } from '../../core/types.js';
import { SEVERITIES } from '../../core/types.js';
import type { ImageObjectView, ImagePackage } from '../../images/image-object.js';
import type { AttachedVulnerability } from '../../packages/model.js';
import { describeFsError } from '../../sources/files.js';

export const MAX_IMAGES_FILE_BYTES = 256 * 1024 * 1024;
export const MAX_IMAGE_RESULTS = 10_000;
/** Per image: past this many vulnerabilities the rest are counted, not kept. */
export const MAX_VULNERABILITIES_PER_IMAGE = 5_000;

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function severityOf(value: unknown): Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value) ? (value as Severity) : 'info';
}

/** The JSON values of a text holding one value, or several written one after another. */
export function jsonValues(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch {
    // Several values: split at the end of each top-level object or array.
  }
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        const part = text.slice(start, i + 1);
        try {
          values.push(JSON.parse(part));
        } catch (err) {
          const line = text.slice(0, start).split('\n').length;
          throw new Error(`the JSON value starting on line ${line} is not valid: ${(err as Error).message.slice(0, 120)}`);
        }
      } else if (depth < 0) throw new Error(`unexpected "${c}" on line ${text.slice(0, i).split('\n').length}`);
    } else if (depth === 0 && !/\s/.test(c)) throw new Error(`unexpected "${c}" on line ${text.slice(0, i).split('\n').length}: expected JSON objects`);
  }
  if (depth !== 0) throw new Error('the file ends inside a JSON value');
  return values;
}

/** One `kshield image -o json` report as the object posture matches. */
function fromImageReport(report: Json): ImageObjectView | undefined {
  const subject = isObj(report.subject) ? report.subject : undefined;
  if (!subject || typeof subject.name !== 'string') return undefined;
  const packages: ImagePackage[] = [];
  const index = new Map<string, number>();
  const packageIndex = (p: Json): number => {
    const key = `${String(p.name)}\u0000${String(p.version)}\u0000${String(p.purl ?? '')}`;
    let i = index.get(key);
    if (i === undefined) {
      i = packages.length;
      index.set(key, i);
      packages.push({ name: String(p.name ?? '?'), version: String(p.version ?? '?'), ecosystem: String(p.ecosystem ?? ''), purl: String(p.purl ?? '') });
    }
    return i;
  };
  // No database was there (`vulnerabilities: null`): the image was read, its vulnerabilities are not known.
  const db = isObj(report.vulnerabilities) ? report.vulnerabilities : undefined;
  const vulnerabilities: AttachedVulnerability[] | undefined = db ? [] : undefined;
  for (const v of Array.isArray(db?.vulnerabilities) ? db.vulnerabilities : []) {
    if (!isObj(v) || typeof v.id !== 'string' || v.suppressed === true || !isObj(v.package)) continue;
    if (vulnerabilities!.length >= MAX_VULNERABILITIES_PER_IMAGE) break;
    vulnerabilities!.push({
      package: packageIndex(v.package),
      id: v.id,
      aliases: Array.isArray(v.aliases) ? v.aliases.filter((a): a is string => typeof a === 'string').slice(0, 20) : [],
      severity: severityOf(v.severity),
      ...(typeof v.fixed === 'string' ? { fixed: v.fixed } : {}),
      explanation: '',
    });
  }
  return {
    apiVersion: 'kshield.io/v1',
    kind: 'ContainerImage',
    metadata: { name: subject.name },
    image: { source: (typeof subject.kind === 'string' ? subject.kind : 'registry') as ImageObjectView['image']['source'], ...(typeof subject.manifestDigest === 'string' ? { manifestDigest: subject.manifestDigest } : {}) },
    config: {},
    history: [],
    packages,
    ...(vulnerabilities ? { vulnerabilities } : {}),
  };
}

/**
 * `libssl3 3.0.11-1~deb12u2 (source openssl 3.0.11-1~deb12u2) in /var/lib/dpkg/status (layer 0) has CVE-2024-5535 (…): fixed in 3.0.14-1~deb12u1. …`,
 * possibly after "raised from medium to high: … . ": the package, its version, the id and the fixed version.
 */
const VULNERABILITY_MESSAGE = /(?:^|\. |: )(\S+) (\S+)(?: \(source [^)]*\))?(?: in .*?)? has ([A-Za-z][\w.:-]*\w)(?: \([^)]*\))?(?:, [^:]*)?: (?:fixed in (.+?)(?:\. |\.?$)|no fixed version)/;

/** The images of a `kshield scan --images -o json` report, from its vulnerable-package findings. */
function fromScanReport(report: Json): ImageObjectView[] {
  const byImage = new Map<string, ImageObjectView>();
  for (const f of Array.isArray(report.findings) ? report.findings : []) {
    if (!isObj(f) || f.rule !== 'vulnerable-package' || f.suppressed === true || !isObj(f.resource) || f.resource.kind !== 'ContainerImage') continue;
    const name = String(f.resource.name);
    let view = byImage.get(name);
    if (!view) {
      view = { apiVersion: 'kshield.io/v1', kind: 'ContainerImage', metadata: { name }, image: { source: 'registry' }, config: {}, history: [], packages: [], vulnerabilities: [] };
      byImage.set(name, view);
    }
    const m = VULNERABILITY_MESSAGE.exec(String(f.message ?? ''));
    if (!m || view.vulnerabilities!.length >= MAX_VULNERABILITIES_PER_IMAGE) continue;
    view.packages.push({ name: m[1], version: m[2], ecosystem: '', purl: '' });
    view.vulnerabilities!.push({ package: view.packages.length - 1, id: m[3], aliases: [], severity: severityOf(f.severity), ...(m[4] ? { fixed: m[4] } : {}), explanation: '' });
  }
  return [...byImage.values()];
}

/** Image results from what `kshield image -o json` or `kshield scan --images -o json` wrote. */
export function parseImageResults(text: string, file: string): ImageObjectView[] {
  let values: unknown[];
  try {
    values = jsonValues(text);
  } catch (err) {
    throw new UsageError(`--images ${file}: not JSON: ${(err as Error).message}`);
  }
  const out: ImageObjectView[] = [];
  const flat = values.flatMap((v) => (Array.isArray(v) ? v : [v]));
  flat.forEach((value, i) => {
    const where = flat.length > 1 ? ` (value ${i + 1})` : '';
    if (!isObj(value)) throw new UsageError(`--images ${file}${where}: expected a JSON object written by kshield image -o json or kshield scan --images -o json`);
    if (isObj(value.subject)) {
      const view = fromImageReport(value);
      if (!view) throw new UsageError(`--images ${file}${where}: an image report without subject.name`);
      out.push(view);
    } else if (Array.isArray(value.findings)) out.push(...fromScanReport(value));
    else throw new UsageError(`--images ${file}${where}: neither an image report (kshield image -o json: "subject") nor a scan report (kshield scan --images -o json: "findings")`);
  });
  if (out.length > MAX_IMAGE_RESULTS) throw new UsageError(`--images ${file}: ${out.length} images, more than the ${MAX_IMAGE_RESULTS} taken`);
  return out;
}

export function readImageResults(file: string): ImageObjectView[] {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_IMAGES_FILE_BYTES) throw new UsageError(`--images ${file}: ${size} bytes, larger than the ${MAX_IMAGES_FILE_BYTES} taken`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--images: cannot read ${file}: ${describeFsError(err)}`);
  }
  return parseImageResults(text, file);
}
