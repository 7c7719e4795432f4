/**
 * Images and their vulnerabilities on their way into the store, from the two results that hold them:
 *
 * - `kshield image … -o json` (one report: `subject`, `os`, `packages`, `findings`, `vulnerabilities`;
 *   or several, as a JSON array): stored as a scan of command `image` whose findings are the images'
 *   configuration findings (on `ContainerImage` objects, as `scan --images` reports them) and whose
 *   images table holds each image with its package count and every vulnerability;
 * - `kshield scan|cluster --images -o json`: the `vulnerable-package` findings on `ContainerImage`
 *   objects, read back from their message (package, version, id, fixed version), and the workloads
 *   that run the image from the finding's locations ("Deployment shop/api runs it (…)").
 *
 * Bounded: at most MAX_IMAGES images a scan and MAX_VULNERABILITIES_PER_IMAGE vulnerabilities an
 * image (the rest are counted, not kept). Every text is checked and cut to a sane length.
 */
import { findRule } from '../rules/index.js';
import { DEFAULT_MAX_IMPORT_BYTES, parseResult } from './import.js';
import { StoreError, type ScanImport, type StoreOptions } from './types.js';

export const MAX_IMAGES = 10_000;
export const MAX_VULNERABILITIES_PER_IMAGE = 20_000;
export const MAX_WORKLOADS_PER_IMAGE = 50;
const MAX_TEXT = 2000;

/** A vulnerability's severity as kshield's vulnerability report gives it; `unknown` when the advisory rates none. */
export const VULN_SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export type VulnSeverity = (typeof VULN_SEVERITIES)[number];
const VULN_RANK: Record<VulnSeverity, number> = { critical: 4, high: 3, medium: 2, low: 1, unknown: 0 };

export function vulnSeverityRank(s: VulnSeverity): number {
  return VULN_RANK[s];
}

export function isVulnSeverity(v: unknown): v is VulnSeverity {
  return typeof v === 'string' && (VULN_SEVERITIES as readonly string[]).includes(v);
}

export interface VulnerabilityRow {
  seq: number;
  id: string;
  aliases: string[];
  severity: VulnSeverity;
  package: string;
  ecosystem: string;
  installed: string;
  /** null: no fixed version is known. */
  fixed: string | null;
  summary: string;
  suppressed: boolean;
}

export interface ImageRow {
  seq: number;
  /** The image as the command or the workload named it (`nginx:1.27`, `oci-layout build/oci`). */
  name: string;
  /** registry, oci-layout, docker-archive, rootfs; null when the result does not say. */
  targetKind: string | null;
  digest: string | null;
  os: string | null;
  /** null: the result does not say (a scan result lists vulnerabilities, not packages). */
  packages: number | null;
  /** false: no vulnerability database was used, so the vulnerabilities are not known. */
  vulnerabilitiesKnown: boolean;
  /** Unsuppressed vulnerabilities by severity, fixable ones, and all of them (kept or not). */
  counts: Record<VulnSeverity, number>;
  fixable: number;
  total: number;
  workloads: string[];
  vulnerabilities: VulnerabilityRow[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, max = MAX_TEXT): string {
  const s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return cut.includes('\u0000') ? cut.replaceAll('\u0000', '\ufffd') : cut;
}

function optText(v: unknown, max = MAX_TEXT): string | null {
  return typeof v === 'string' && v !== '' ? text(v, max) : null;
}

function zero(): Record<VulnSeverity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}

function severityOf(v: unknown): VulnSeverity {
  return isVulnSeverity(v) ? v : 'unknown';
}

/** Whether a value is what `kshield image -o json` writes (one report). */
export function isImageReport(v: unknown): v is Json {
  return isObj(v) && isObj(v.subject) && typeof v.subject.name === 'string' && Array.isArray(v.packages) && Array.isArray(v.findings);
}

/** A value holding `kshield image` reports: one, or a JSON array of them. */
export function imageReportsOf(v: unknown): Json[] | undefined {
  if (isImageReport(v)) return [v];
  if (Array.isArray(v) && v.length > 0 && v.every(isImageReport)) return v as Json[];
  return undefined;
}

function addVulnerability(image: ImageRow, v: Omit<VulnerabilityRow, 'seq'>): void {
  if (!v.suppressed) {
    image.counts[v.severity]++;
    if (v.fixed !== null) image.fixable++;
    image.total++;
  }
  if (image.vulnerabilities.length < MAX_VULNERABILITIES_PER_IMAGE) image.vulnerabilities.push({ seq: image.vulnerabilities.length, ...v });
}

/** One `kshield image -o json` report as an image row. */
function imageOfReport(report: Json, seq: number): ImageRow {
  const subject = report.subject as Json;
  const os = isObj(report.os) ? optText(report.os.prettyName) ?? optText([report.os.id, report.os.versionId].filter((x) => typeof x === 'string').join(' ')) : null;
  const db = isObj(report.vulnerabilities) ? report.vulnerabilities : undefined;
  const image: ImageRow = {
    seq,
    name: text(subject.name, 1000),
    targetKind: optText(subject.kind, 40),
    digest: optText(subject.manifestDigest, 200),
    os,
    packages: (report.packages as unknown[]).length,
    vulnerabilitiesKnown: db !== undefined,
    counts: zero(),
    fixable: 0,
    total: 0,
    workloads: [],
    vulnerabilities: [],
  };
  for (const v of Array.isArray(db?.vulnerabilities) ? db.vulnerabilities : []) {
    if (!isObj(v) || typeof v.id !== 'string' || !isObj(v.package)) continue;
    addVulnerability(image, {
      id: text(v.id, 200),
      aliases: Array.isArray(v.aliases) ? v.aliases.filter((a): a is string => typeof a === 'string').slice(0, 20).map((a) => text(a, 200)) : [],
      severity: severityOf(v.severity),
      package: text(v.package.name, 500),
      ecosystem: text(v.package.ecosystem, 100),
      installed: text(v.package.version, 200),
      fixed: optText(v.fixed, 200),
      summary: text(v.summary, 1000),
      suppressed: v.suppressed === true,
    });
  }
  return image;
}

/**
 * `kshield image` reports as a format-2 result the scan import takes (their configuration findings
 * on ContainerImage objects), and their images.
 */
export function imageReportsToScan(reports: readonly Json[]): { result: Json; images: ImageRow[] } {
  if (reports.length > MAX_IMAGES) throw new StoreError(`the result holds ${reports.length} images, more than the ${MAX_IMAGES} the store accepts in one import`);
  const findings: Json[] = [];
  const rules = new Map<string, Json>();
  const notes: unknown[] = [];
  const images = reports.map((report, i) => {
    const image = imageOfReport(report, i);
    for (const [j, f] of (report.findings as unknown[]).entries()) {
      if (!isObj(f)) throw new StoreError(`not a kshield image result: findings[${j}] of ${image.name} is not an object`);
      findings.push({
        rule: f.rule,
        severity: f.severity,
        message: f.message,
        resource: { apiVersion: 'kshield.io/v1', kind: 'ContainerImage', namespace: null, name: image.name },
        file: image.name,
        line: 0,
        column: 0,
        path: typeof f.path === 'string' ? f.path : '',
        container: null,
        suppressed: f.suppressed === true,
        suppression: isObj(f.suppression) ? f.suppression : null,
        fingerprint: f.fingerprint,
        related: [],
      });
      if (typeof f.rule === 'string' && !rules.has(f.rule)) {
        const known = findRule(f.rule);
        rules.set(f.rule, {
          id: f.rule,
          title: known?.title ?? f.rule,
          severity: known?.severity ?? f.severity,
          remediation: typeof f.remediation === 'string' && f.remediation !== '' ? f.remediation : known?.remediation ?? '-',
          references: known?.references ?? [],
          docs: known ? `docs/rules/${f.rule}.md` : null,
        });
      }
    }
    if (Array.isArray(report.notes)) notes.push(...report.notes);
    return image;
  });
  // `kshield image` JSON carries no version of its own; the store keeps "image" there.
  return { result: { version: 'image', format: 2, findings, summary: { resources: reports.length, files: 0 }, rules: [...rules.values()], errors: [], notes }, images };
}

/**
 * `libssl3 3.0.11-1~deb12u2 (source openssl …) in /var/lib/dpkg/status (layer 0) has CVE-2024-5535 (aliases), rating: fixed in 3.0.14-1~deb12u1. Summary. Matched: …`,
 * possibly after "raised from medium to high: … . ": package, version, id, fixed version (vulnerable-package's message).
 */
const VULNERABILITY_MESSAGE = /(?:^|\. |: )(\S+) (\S+)(?: \(source [^)]*\))?(?: in .*?)? has ([A-Za-z][\w.:-]*\w)(?: \(([^)]*)\))?(?:, [^:]*)?: (?:fixed in (.+?)(?=\. |\.?$)|no fixed version yet)/;
const RUNS_IT = /^(\S+) (\S+) runs it \(/;

/** The images of a `kshield scan|cluster --images` result: its findings on ContainerImage objects. */
export function imagesOfScanResult(findings: readonly unknown[]): ImageRow[] {
  const byName = new Map<string, ImageRow>();
  for (const f of findings) {
    if (!isObj(f) || !isObj(f.resource) || f.resource.kind !== 'ContainerImage' || typeof f.resource.name !== 'string') continue;
    let image = byName.get(f.resource.name);
    if (!image) {
      if (byName.size >= MAX_IMAGES) continue;
      image = { seq: byName.size, name: text(f.resource.name, 1000), targetKind: 'registry', digest: null, os: null, packages: null, vulnerabilitiesKnown: false, counts: zero(), fixable: 0, total: 0, workloads: [], vulnerabilities: [] };
      byName.set(f.resource.name, image);
    }
    for (const l of Array.isArray(f.locations) ? f.locations : []) {
      const m = isObj(l) && typeof l.what === 'string' ? RUNS_IT.exec(l.what) : null;
      if (m && image.workloads.length < MAX_WORKLOADS_PER_IMAGE) {
        const workload = `${m[1]} ${m[2]}`;
        if (!image.workloads.includes(workload)) image.workloads.push(workload);
      }
    }
    if (f.rule !== 'vulnerable-package') continue;
    image.vulnerabilitiesKnown = true;
    const m = VULNERABILITY_MESSAGE.exec(typeof f.message === 'string' ? f.message : '');
    if (!m) continue;
    const severity: VulnSeverity = f.severity === 'info' ? 'unknown' : severityOf(f.severity);
    addVulnerability(image, {
      id: text(m[3], 200),
      aliases: m[4] ? m[4].split(', ').slice(0, 20).map((a) => text(a, 200)) : [],
      severity,
      package: text(m[1], 500),
      ecosystem: '',
      installed: text(m[2], 200),
      fixed: m[5] ? text(m[5], 200) : null,
      summary: '',
      suppressed: f.suppressed === true,
    });
  }
  return [...byName.values()];
}

/**
 * The scan to import and its images: a `kshield image` result becomes a scan of command `image`
 * (its configuration findings), a scan or cluster result keeps what it is and gives up the images
 * its ContainerImage findings name.
 */
export function withImages(scan: ScanImport, options: StoreOptions): { scan: ScanImport; images: ImageRow[] } {
  const value = parseResult(scan.result, options.maxImportBytes ?? DEFAULT_MAX_IMPORT_BYTES);
  const reports = imageReportsOf(value);
  if (reports) {
    const { result, images } = imageReportsToScan(reports);
    return { scan: { ...scan, command: 'image', result }, images };
  }
  const findings = isObj(value) && Array.isArray(value.findings) ? value.findings : [];
  return { scan: { ...scan, result: value }, images: imagesOfScanResult(findings) };
}
