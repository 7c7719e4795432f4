/**
 * Sets of (protocol, port) pairs: what a NetworkPolicy rule allows, resolved against the
 * destination pods' container ports. Each protocol holds sorted, disjoint, non-adjacent ranges.
 */

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

const MIN_PORT = 1;
const MAX_PORT = 65535;

export type Range = readonly [number, number];

export class PortSet {
  private constructor(private readonly ranges: Readonly<Record<Protocol, readonly Range[]>>) {}

  static readonly EMPTY = new PortSet({ TCP: [], UDP: [], SCTP: [] });
  static readonly ALL = new PortSet({ TCP: [[MIN_PORT, MAX_PORT]], UDP: [[MIN_PORT, MAX_PORT]], SCTP: [[MIN_PORT, MAX_PORT]] });

  static of(protocol: Protocol, from: number, to = from): PortSet {
    const ranges: Record<Protocol, Range[]> = { TCP: [], UDP: [], SCTP: [] };
    ranges[protocol] = [[Math.max(MIN_PORT, from), Math.min(MAX_PORT, to)]];
    return new PortSet(ranges);
  }

  static allOf(protocol: Protocol): PortSet {
    return PortSet.of(protocol, MIN_PORT, MAX_PORT);
  }

  isEmpty(): boolean {
    return PROTOCOLS.every((p) => this.ranges[p].length === 0);
  }

  isAll(): boolean {
    return PROTOCOLS.every((p) => isFull(this.ranges[p]));
  }

  has(protocol: Protocol, port: number): boolean {
    return this.ranges[protocol].some(([a, b]) => port >= a && port <= b);
  }

  union(other: PortSet): PortSet {
    if (this.isEmpty() || other.isAll()) return other;
    if (other.isEmpty() || this.isAll()) return this;
    const out = {} as Record<Protocol, Range[]>;
    for (const p of PROTOCOLS) out[p] = normalize([...this.ranges[p], ...other.ranges[p]]);
    return new PortSet(out);
  }

  intersect(other: PortSet): PortSet {
    if (this.isAll() || other.isEmpty()) return other;
    if (other.isAll() || this.isEmpty()) return this;
    const out = {} as Record<Protocol, Range[]>;
    for (const p of PROTOCOLS) {
      const result: Range[] = [];
      for (const [a1, b1] of this.ranges[p])
        for (const [a2, b2] of other.ranges[p]) {
          const lo = Math.max(a1, a2);
          const hi = Math.min(b1, b2);
          if (lo <= hi) result.push([lo, hi]);
        }
      out[p] = normalize(result);
    }
    return new PortSet(out);
  }

  /** "all", or ["TCP/80", "TCP/8000-9000", "UDP/53", "SCTP/1-65535"]. */
  format(): 'all' | string[] {
    if (this.isAll()) return 'all';
    const out: string[] = [];
    for (const p of PROTOCOLS) for (const [a, b] of this.ranges[p]) out.push(a === b ? `${p}/${a}` : `${p}/${a}-${b}`);
    return out;
  }

  toString(): string {
    const f = this.format();
    return f === 'all' ? 'all' : f.length === 0 ? 'none' : f.join(', ');
  }
}

function isFull(ranges: readonly Range[]): boolean {
  return ranges.length === 1 && ranges[0][0] <= MIN_PORT && ranges[0][1] >= MAX_PORT;
}

function normalize(ranges: Range[]): Range[] {
  if (ranges.length <= 1) return ranges;
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [[sorted[0][0], sorted[0][1]]];
  for (let i = 1; i < sorted.length; i++) {
    const last = out[out.length - 1];
    const [a, b] = sorted[i];
    if (a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function isProtocol(value: unknown): value is Protocol {
  return typeof value === 'string' && (PROTOCOLS as readonly string[]).includes(value);
}
