/**
 * Attested answers to controls no tool can verify (`kshield attest`), kept in a JSON file next to
 * the results (default `kshield-attestations.json` in the current directory) that `kshield report`
 * reads and `kshield serve` can import. One entry per answer; a newer answer to the same control
 * supersedes an older one, and every answer stops counting when it expires (assess.ts).
 *
 * File: { "kind": "kshield-attestations", "version": 1, "attestations": [Attestation...] }
 * where each control is `framework@version:controlId` (cis-kubernetes@2.0:5.1.7).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { credentialsInText } from '../core/redact.js';
import { jsonSyntaxError } from './input.js';
import { didYouMean, suggest } from '../core/suggest.js';
import type { Attestation } from './assess.js';
import type { Control, Framework } from './frameworks.js';
import { compareVersions, frameworkName, FRAMEWORK_NAMES } from './select.js';

export const DEFAULT_ATTESTATIONS_FILE = 'kshield-attestations.json';
export const ATTESTATIONS_KIND = 'kshield-attestations';
export const MAX_ATTESTATIONS_FILE_BYTES = 16 * 1024 * 1024;
/** An attestation is a periodic review: at most this far ahead. */
export const MAX_ATTESTATION_DAYS = 3 * 366;
const MAX_BY = 200;
const MAX_EVIDENCE = 2000;

export class AttestationError extends Error {}

export interface AttestationsFile {
  kind: typeof ATTESTATIONS_KIND;
  version: 1;
  attestations: Attestation[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Reads the file; a missing file is an empty list. Errors name the file and the entry. */
export async function readAttestations(file: string): Promise<Attestation[]> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_ATTESTATIONS_FILE_BYTES) throw new AttestationError(`${file}: larger than ${MAX_ATTESTATIONS_FILE_BYTES} bytes`);
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if (e instanceof AttestationError) throw e;
    throw new AttestationError(`${file}: ${(e as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
  return parseAttestations(text, file);
}

export function parseAttestations(text: string, file: string): Attestation[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new AttestationError(`${file}: ${jsonSyntaxError(text, e)}`);
  }
  if (!isObject(value) || value.kind !== ATTESTATIONS_KIND) throw new AttestationError(`${file}: not a kshield attestations file (expected "kind": "${ATTESTATIONS_KIND}")`);
  if (value.version !== 1) throw new AttestationError(`${file}: attestations file version ${JSON.stringify(value.version)}; this kshield reads version 1`);
  if (!Array.isArray(value.attestations)) throw new AttestationError(`${file}: "attestations" must be a list`);
  return value.attestations.map((a, i) => {
    const where = `${file}: attestations[${i}]`;
    if (!isObject(a)) throw new AttestationError(`${where} must be an object`);
    for (const key of ['control', 'by', 'evidence', 'at', 'expires'] as const)
      if (typeof a[key] !== 'string' || (a[key] as string).length === 0) throw new AttestationError(`${where}.${key} must be a non-empty string`);
    if (a.status !== 'pass' && a.status !== 'fail') throw new AttestationError(`${where}.status must be pass or fail`);
    for (const key of ['at', 'expires'] as const) if (!Number.isFinite(Date.parse(a[key] as string))) throw new AttestationError(`${where}.${key} ${JSON.stringify(a[key])} is not a date`);
    // The file may be edited by hand or come from elsewhere: a credential in it is refused here as
    // kshield attest refuses it, so that list, report and the dashboard never print it.
    if (credentialsInText(a.evidence as string).length > 0) throw new AttestationError(`${where}.evidence looks like it holds a credential (not printed); attestations are plain text: link to where the evidence is kept instead`);
    return { control: a.control as string, status: a.status, by: a.by as string, evidence: a.evidence as string, at: a.at as string, expires: a.expires as string };
  });
}

/** Writes the whole list (to a temporary file first, then renamed, so a reader never sees half a file). */
export async function writeAttestations(file: string, attestations: readonly Attestation[]): Promise<void> {
  const doc: AttestationsFile = { kind: ATTESTATIONS_KIND, version: 1, attestations: [...attestations] };
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await fs.writeFile(tmp, JSON.stringify(doc, null, 2) + '\n', { mode: 0o644 });
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw new AttestationError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

export const controlKey = (framework: Pick<Framework, 'framework' | 'version'>, controlId: string): string => `${framework.framework}@${framework.version}:${controlId}`;

/**
 * The control a `kshield attest` argument names: `5.1.7` with --framework (and maybe a version), or
 * `cis@2.0:5.1.7` / `cis-kubernetes@2.0:5.1.7`. Without a framework, the id must name one control of
 * the newest version of exactly one framework.
 */
export function resolveControl(frameworks: readonly Framework[], given: string, frameworkOpt?: string, versionOpt?: string): { framework: Framework; control: Control } {
  let name = frameworkOpt;
  let version = versionOpt;
  let id = given.trim();
  const scoped = /^([A-Za-z0-9-]+)(?:@([^:]+))?:(.+)$/.exec(id);
  if (scoped && (FRAMEWORK_NAMES[scoped[1].toLowerCase()] || frameworks.some((f) => f.framework === scoped[1]))) {
    if (name && frameworkName(name, frameworks) !== frameworkName(scoped[1], frameworks)) throw new AttestationError(`${given} names framework ${scoped[1]}, but --framework is ${name}`);
    name = scoped[1];
    version = scoped[2] ?? version;
    id = scoped[3];
  }
  const newest = (list: Framework[]): Framework => [...list].sort((a, b) => compareVersions(a.version, b.version))[list.length - 1];
  let candidates: Framework[];
  if (name) {
    const full = frameworkName(name, frameworks);
    const versions = frameworks.filter((f) => f.framework === full);
    if (version) {
      const v = versions.find((f) => f.version === version || f.version.replace(/^v/, '') === version.replace(/^v/, ''));
      if (!v) throw new AttestationError(`${full} has no version "${version}" (versions: ${versions.map((f) => f.version).join(', ')})`);
      candidates = [v];
    } else candidates = versions.length ? [newest(versions)] : [];
  } else {
    const byName = new Map<string, Framework[]>();
    for (const f of frameworks) byName.set(f.framework, [...(byName.get(f.framework) ?? []), f]);
    candidates = [...byName.values()].map(newest);
  }
  const matches = candidates.flatMap((framework) => framework.controls.filter((c) => c.id === id).map((control) => ({ framework, control })));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1)
    throw new AttestationError(`control "${id}" is in ${matches.map((m) => `${m.framework.framework} ${m.framework.version}`).join(' and ')}: say which with --framework (or ${controlKey(matches[0].framework, id)})`);
  const ids = candidates.flatMap((f) => f.controls.map((c) => c.id));
  const near = suggest(id, ids);
  const scope = candidates.length === 1 ? `${candidates[0].title}` : 'any framework';
  throw new AttestationError(`no control "${id}" in ${scope}${near.length ? `; ${didYouMean(near)}` : ''}`);
}

/**
 * Why this control cannot be attested, or undefined. Manual controls can; so can automated controls
 * kshield has no check for (a person is then the only one who can answer). Automated controls with
 * kshield evidence cannot: the evidence decides, and an attestation would hide what it found.
 */
export function refuseAttestation(control: Control): string | undefined {
  if (control.assessment === 'manual') return undefined;
  if (!control.evidence || control.evidence.length === 0) return undefined;
  return `control "${control.id}" is automated: kshield judges it from ${control.evidence.slice(0, 3).join(', ')}${control.evidence.length > 3 ? ', ...' : ''}; run kshield report on its results instead (only manual controls, and automated ones kshield has no check for, can be attested)`;
}

/** `2026-12-31` (valid through that day, UTC), an ISO time, or a duration from now: `90d`, `12w`, `1y`. */
export function parseExpiry(given: string, now: Date): Date {
  const v = given.trim();
  let at: number;
  const duration = /^(\d{1,4})\s*(d|w|y)$/i.exec(v);
  if (duration) {
    const n = Number(duration[1]);
    const days = duration[2].toLowerCase() === 'd' ? n : duration[2].toLowerCase() === 'w' ? n * 7 : n * 365;
    at = now.getTime() + days * 86_400_000;
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    at = Date.parse(`${v}T23:59:59Z`);
    if (!Number.isFinite(at) || new Date(at).toISOString().slice(0, 10) !== v) throw new AttestationError(`--expires: "${given}" is not a date`);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(v) && Number.isFinite(Date.parse(v))) at = Date.parse(v);
  else throw new AttestationError(`--expires: expected a date (2026-12-31) or a duration from now (90d, 12w, 1y), got "${given}"`);
  if (at <= now.getTime()) throw new AttestationError(`--expires: ${new Date(at).toISOString().slice(0, 10)} is not in the future; an attestation must expire after it is made`);
  if (at - now.getTime() > MAX_ATTESTATION_DAYS * 86_400_000) throw new AttestationError(`--expires: at most ${MAX_ATTESTATION_DAYS / 366} years ahead (an attestation is a periodic review), got "${given}"`);
  return new Date(at);
}

/** Checks the text fields of a new attestation: present, bounded, printable, and no credential in the evidence. */
export function checkAttestationText(by: string | undefined, evidence: string | undefined): { by: string; evidence: string } {
  const b = (by ?? '').trim();
  const e = (evidence ?? '').trim();
  if (!b) throw new AttestationError('--by: who attests (a name or an e-mail address) is required');
  if (!e) throw new AttestationError('--evidence: what the answer rests on (a text or a URL) is required');
  if (b.length > MAX_BY) throw new AttestationError(`--by: at most ${MAX_BY} characters`);
  if (e.length > MAX_EVIDENCE) throw new AttestationError(`--evidence: at most ${MAX_EVIDENCE} characters; link to a longer document instead`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(b + e)) throw new AttestationError('--by and --evidence must not contain control characters');
  if (credentialsInText(e).length > 0) throw new AttestationError('--evidence looks like it holds a credential; attestations are stored in plain text: link to where the evidence is kept instead');
  return { by: b, evidence: e };
}

/** Whether an attestation still counts at `now`. */
export const attestationValid = (a: Attestation, now: Date): boolean => Date.parse(a.expires) > now.getTime();
