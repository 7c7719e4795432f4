/**
 * Severity of an advisory, computed from its CVSS vector (never taken from a label a database
 * put beside it). Scores come from ae-cvss-calculator, which implements FIRST's CVSS v2.0, v3.0,
 * v3.1 and v4.0 formulas (v4.0's macro-vector table included); the vector is first checked here
 * against the version's grammar, because the library scores an incomplete vector as "undefined"
 * rather than refusing it. Qualitative levels are CVSS's own: 0.1-3.9 low, 4.0-6.9 medium,
 * 7.0-8.9 high, 9.0-10.0 critical, 0.0 none (reported as info).
 */
import cvssCalculator from 'ae-cvss-calculator';
import type { Severity } from '../core/types.js';
import type { OsvSeverity } from './osv.js';

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvssCalculator;

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';

export interface CvssScore {
  version: CvssVersion;
  vector: string;
  score: number;
  severity: Severity;
}

/** Base metrics each version requires, with the values it allows. */
const BASE_METRICS: Record<CvssVersion, Record<string, string>> = {
  '2.0': { AV: 'LAN', AC: 'HML', Au: 'MSN', C: 'NPC', I: 'NPC', A: 'NPC' },
  '3.0': { AV: 'NALP', AC: 'LH', PR: 'NLH', UI: 'NR', S: 'UC', C: 'HLN', I: 'HLN', A: 'HLN' },
  '3.1': { AV: 'NALP', AC: 'LH', PR: 'NLH', UI: 'NR', S: 'UC', C: 'HLN', I: 'HLN', A: 'HLN' },
  '4.0': { AV: 'NALP', AC: 'LH', AT: 'NP', PR: 'NLH', UI: 'NPA', VC: 'HLN', VI: 'HLN', VA: 'HLN', SC: 'HLN', SI: 'HLN', SA: 'HLN' },
};

export class CvssError extends Error {}

function versionOf(vector: string): CvssVersion {
  if (vector.startsWith('CVSS:3.1/')) return '3.1';
  if (vector.startsWith('CVSS:3.0/')) return '3.0';
  if (vector.startsWith('CVSS:4.0/')) return '4.0';
  if (/^(\(?)AV:[LAN]\//.test(vector)) return '2.0';
  throw new CvssError(`not a CVSS vector: "${vector.slice(0, 80)}"`);
}

function checkBaseMetrics(version: CvssVersion, vector: string): void {
  const parts = (version === '2.0' ? vector.replace(/^\(|\)$/g, '') : vector.slice(vector.indexOf('/') + 1)).split('/');
  const seen = new Map<string, string>();
  for (const part of parts) {
    const [metric, value, ...extra] = part.split(':');
    if (!metric || value === undefined || extra.length > 0) throw new CvssError(`CVSS ${version} vector "${vector}": malformed part "${part}"`);
    if (seen.has(metric)) throw new CvssError(`CVSS ${version} vector "${vector}": metric ${metric} given twice`);
    seen.set(metric, value);
  }
  for (const [metric, allowed] of Object.entries(BASE_METRICS[version])) {
    const value = seen.get(metric);
    if (value === undefined) throw new CvssError(`CVSS ${version} vector "${vector}": base metric ${metric} is missing`);
    if (value.length !== 1 || !allowed.includes(value)) throw new CvssError(`CVSS ${version} vector "${vector}": ${metric}:${value} is not a valid value`);
  }
}

export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

/** Scores already computed, by vector: the same few thousand vectors recur across advisories. */
const scored = new Map<string, CvssScore | CvssError>();
const MAX_CACHED = 50_000;

/** Scores a CVSS vector (v2.0, v3.0, v3.1 or v4.0); throws CvssError for a vector that is not one. */
export function scoreCvss(vector: string): CvssScore {
  const cached = scored.get(vector);
  if (cached instanceof CvssError) throw cached;
  if (cached) return cached;
  let result: CvssScore | CvssError;
  try {
    result = computeCvss(vector);
  } catch (err) {
    if (!(err instanceof CvssError)) throw err;
    result = err;
  }
  if (scored.size >= MAX_CACHED) scored.clear();
  scored.set(vector, result);
  if (result instanceof CvssError) throw result;
  return result;
}

function computeCvss(vector: string): CvssScore {
  const text = vector.trim();
  const version = versionOf(text);
  checkBaseMetrics(version, text);
  let score: number | undefined;
  try {
    const calculator = version === '4.0' ? new Cvss4P0(text) : version === '3.1' ? new Cvss3P1(text) : version === '3.0' ? new Cvss3P0(text) : new Cvss2(text.replace(/^\(|\)$/g, ''));
    // `overall` takes the threat/temporal and environmental metrics the vector gives into account (CVSS-BT, CVSS-BTE).
    score = calculator.calculateScores().overall;
  } catch (err) {
    throw new CvssError(`CVSS ${version} vector "${text}": ${(err as Error).message}`);
  }
  if (typeof score !== 'number' || !Number.isFinite(score)) throw new CvssError(`CVSS ${version} vector "${text}" has no score`);
  return { version, vector: text, score, severity: severityOfScore(score) };
}

const UBUNTU_PRIORITIES: Record<string, Severity> = { negligible: 'info', low: 'low', medium: 'medium', high: 'high', critical: 'critical' };
const VERSION_RANK: Record<CvssVersion, number> = { '4.0': 4, '3.1': 3, '3.0': 2, '2.0': 1 };

export interface AdvisorySeverity {
  severity: Severity;
  /** Where it comes from: the CVSS score, or a distribution's own priority. */
  cvss?: CvssScore;
  priority?: { source: string; value: string };
}

/**
 * The severity of an advisory from its OSV `severity` entries: the newest CVSS version given (v4.0,
 * then v3.1, v3.0, v2.0), else Ubuntu's priority; undefined when there is none. A vector that does
 * not parse is skipped and reported through `onProblem`.
 */
export function advisorySeverity(entries: readonly OsvSeverity[] | undefined, onProblem?: (message: string) => void): AdvisorySeverity | undefined {
  if (!entries || entries.length === 0) return undefined;
  let best: CvssScore | undefined;
  for (const entry of entries) {
    if (!entry.type.startsWith('CVSS_')) continue;
    try {
      const scored = scoreCvss(entry.score);
      if (!best || VERSION_RANK[scored.version] > VERSION_RANK[best.version]) best = scored;
    } catch (err) {
      onProblem?.((err as Error).message);
    }
  }
  if (best) return { severity: best.severity, cvss: best };
  const ubuntu = entries.find((e) => e.type === 'Ubuntu' && UBUNTU_PRIORITIES[e.score.toLowerCase()] !== undefined);
  if (ubuntu) return { severity: UBUNTU_PRIORITIES[ubuntu.score.toLowerCase()], priority: { source: 'Ubuntu', value: ubuntu.score.toLowerCase() } };
  return undefined;
}
