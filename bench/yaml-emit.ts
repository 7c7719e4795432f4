/**
 * A small YAML writer for the benchmark corpus. Real manifests are not written by one
 * serializer: helm templates, kubectl output and hand edits mix quoting styles, flow
 * collections, block scalars, comments and two sequence indentations. Parsers spend their
 * time differently on each, so the corpus varies them on purpose, driven by the seeded PRNG.
 */
import type { Rng } from './rng.js';

export type Y = null | boolean | number | string | Y[] | { [key: string]: Y | undefined };
export type YMap = { [key: string]: Y | undefined };

export interface Style {
  /** `key:\n  - item` (helm) rather than `key:\n- item` (kubectl). */
  indentSequences: boolean;
  /** Chance that a string which could stay plain is quoted anyway. */
  quoteChance: number;
  /** Prefer single quotes when quoting optional quotes. */
  singleQuotes: boolean;
  /** Chance that a short collection of scalars is written in flow style. */
  flowChance: number;
  /** Chance of a comment line before a mapping entry. */
  commentChance: number;
}

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~|nan|inf|\.nan|\.inf|-\.inf)$/i;
// Plain in block context: starts with a letter, no ": " or " #", no trailing blank or colon.
const PLAIN_BLOCK = /^[A-Za-z][A-Za-z0-9_.\/@=+\-()' ]*(?::[A-Za-z0-9_.\/@=+\-]+)*$/;
// Plain inside flow collections: additionally no blanks, commas or brackets.
const PLAIN_FLOW = /^[A-Za-z][A-Za-z0-9_.\/@=+\-]*(?::[A-Za-z0-9_.\/@=+\-]+)*$/;

const COMMENTS = [
  'managed by the platform team',
  'TODO: tune after load test',
  'see runbook in the wiki',
  'keep in sync with values.yaml',
  'do not change without a migration',
  'set by CI',
  'required by the mesh',
  'overridden per environment',
];

function isMap(v: unknown): v is YMap {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isScalar(v: unknown): v is null | boolean | number | string {
  return v === null || typeof v !== 'object';
}

export class Emitter {
  readonly lines: string[] = [];
  constructor(
    private readonly rng: Rng,
    private readonly style: Style,
  ) {}

  document(doc: YMap): void {
    this.map(doc, 0, null);
  }

  comment(text: string): void {
    this.lines.push(`# ${text}`);
  }

  raw(line: string): void {
    this.lines.push(line);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }

  private key(k: string): string {
    if (PLAIN_FLOW.test(k) && !RESERVED.test(k)) return k;
    return JSON.stringify(k);
  }

  private scalar(v: null | boolean | number | string, flow: boolean): string {
    if (v === null) return this.rng.chance(0.15) ? '~' : 'null';
    if (typeof v === 'boolean' || typeof v === 'number') return String(v);
    const plain = (flow ? PLAIN_FLOW : PLAIN_BLOCK).test(v) && !RESERVED.test(v) && !v.endsWith(' ');
    if (plain && !this.rng.chance(this.style.quoteChance)) return v;
    if (!/[\n\\"'\t]/.test(v) && (this.style.singleQuotes || !plain) && this.rng.chance(this.style.singleQuotes ? 0.8 : 0.3)) return `'${v}'`;
    return JSON.stringify(v);
  }

  private flowEligible(v: Y[] | YMap): boolean {
    const values = Array.isArray(v) ? v : Object.values(v);
    if (values.length === 0 || values.length > 5) return false;
    for (const x of values) {
      if (!isScalar(x)) return false;
      if (typeof x === 'string' && (x.length > 40 || !PLAIN_FLOW.test(x))) return false;
    }
    if (!Array.isArray(v)) for (const k of Object.keys(v)) if (!PLAIN_FLOW.test(k)) return false;
    return true;
  }

  private flow(v: Y[] | YMap): string {
    if (Array.isArray(v)) return `[${v.map((x) => this.scalar(x as string, true)).join(', ')}]`;
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${this.key(k)}: ${this.scalar(x as string, true)}`)
      .join(', ')}}`;
  }

  private blockable(s: string): '|' | '|-' | null {
    if (!s.includes('\n')) return null;
    if (/^[ \t\n]/.test(s) || /\r/.test(s)) return null;
    if (s.endsWith('\n')) return s.endsWith('\n\n') ? null : '|';
    return '|-';
  }

  /** Writes the entries of `obj`; the first one after `lead` (a sequence dash) when given. */
  private map(obj: YMap, indent: number, lead: string | null): void {
    let first = true;
    const pad = ' '.repeat(indent);
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (v === undefined) continue;
      let head: string;
      if (first && lead !== null) head = lead;
      else {
        if (this.style.commentChance > 0 && this.rng.chance(this.style.commentChance)) this.lines.push(`${pad}# ${this.rng.pick(COMMENTS)}`);
        head = pad;
      }
      first = false;
      this.entry(`${head}${this.key(k)}:`, v, indent);
    }
  }

  private entry(head: string, v: Y, indent: number): void {
    if (isMap(v)) {
      if (Object.keys(v).length === 0) this.lines.push(`${head} {}`);
      else if (this.flowEligible(v) && this.rng.chance(this.style.flowChance / 2)) this.lines.push(`${head} ${this.flow(v)}`);
      else {
        this.lines.push(head);
        this.map(v, indent + 2, null);
      }
    } else if (Array.isArray(v)) {
      if (v.length === 0) this.lines.push(`${head} []`);
      else if (this.flowEligible(v) && this.rng.chance(this.style.flowChance)) this.lines.push(`${head} ${this.flow(v)}`);
      else {
        this.lines.push(head);
        this.seq(v, this.style.indentSequences ? indent + 2 : indent);
      }
    } else if (typeof v === 'string' && this.blockable(v) !== null) {
      this.lines.push(`${head} ${this.blockable(v)}`);
      this.block(v, indent + 2);
    } else this.lines.push(`${head} ${this.scalar(v, false)}`);
  }

  private block(s: string, indent: number): void {
    const pad = ' '.repeat(indent);
    const body = s.endsWith('\n') ? s.slice(0, -1) : s;
    for (const line of body.split('\n')) this.lines.push(line === '' ? '' : pad + line);
  }

  private seq(items: Y[], indent: number): void {
    const dash = ' '.repeat(indent) + '- ';
    for (const item of items) {
      if (isMap(item) && Object.keys(item).length > 0) this.map(item, indent + 2, dash);
      else if (isMap(item)) this.lines.push(`${dash}{}`);
      else if (Array.isArray(item)) this.lines.push(`${dash}${JSON.stringify(item)}`);
      else if (typeof item === 'string' && this.blockable(item) !== null) {
        this.lines.push(`${dash}${this.blockable(item)}`);
        this.block(item, indent + 2);
      } else this.lines.push(`${dash}${this.scalar(item, false)}`);
    }
  }
}
