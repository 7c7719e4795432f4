/**
 * IPv4 and IPv6 addresses and CIDR blocks, as NetworkPolicy `ipBlock` uses them. Addresses are
 * BigInts so both families share one arithmetic; a block is [first, last] within its family.
 */

export interface Cidr {
  family: 4 | 6;
  first: bigint;
  last: bigint;
  prefix: number;
  /** As written, for messages and output. */
  text: string;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] | undefined => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const words: number[] = [];
  const pushGroups = (list: string[], into: number[]): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i];
      // An embedded IPv4 address may end the address (::ffff:10.0.0.1).
      if (i === list.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return false;
        into.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
      into.push(parseInt(g, 16));
    }
    return true;
  };
  const headWords: number[] = [];
  const tailWords: number[] = [];
  if (!pushGroups(head, headWords) || !pushGroups(tail, tailWords)) return undefined;
  if (halves.length === 2) {
    const missing = 8 - headWords.length - tailWords.length;
    if (missing < 1) return undefined;
    words.push(...headWords, ...new Array<number>(missing).fill(0), ...tailWords);
  } else {
    if (headWords.length !== 8) return undefined;
    words.push(...headWords);
  }
  let value = 0n;
  for (const w of words) value = (value << 16n) | BigInt(w);
  return value;
}

export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = text.includes(':') ? parseIpv6(text) : undefined;
  return v6 !== undefined ? { family: 6, value: v6 } : undefined;
}

/**
 * Parses "10.0.0.0/8" or "2001:db8::/32". Host bits set below the prefix ("10.1.2.3/8") are
 * accepted and ignored, as the API server's validation of ipBlock historically allowed them.
 */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  const first = ip.value & ~mask & ((1n << BigInt(bits)) - 1n);
  return { family: ip.family, first, last: first | mask, prefix, text };
}

function cidrContainsIp(cidr: Cidr, ip: { family: 4 | 6; value: bigint }): boolean {
  return cidr.family === ip.family && ip.value >= cidr.first && ip.value <= cidr.last;
}

/** Is `inner` entirely inside `outer`? */
function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && inner.first >= outer.first && inner.last <= outer.last;
}

function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** An ipBlock: the block minus its exceptions. */
export interface IpBlock {
  cidr: Cidr;
  except: Cidr[];
}

export function ipBlockContainsIp(block: IpBlock, ip: { family: 4 | 6; value: bigint }): boolean {
  return cidrContainsIp(block.cidr, ip) && !block.except.some((e) => cidrContainsIp(e, ip));
}

/** Ranges pod IPs usually come from: RFC 1918 and IPv6 unique local addresses. */
const PRIVATE_RANGES: readonly Cidr[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'].map((t) => parseCidr(t)!);

/** Does the ipBlock leave some private (pod-like) address allowed? */
export function ipBlockMayHoldPodIps(block: IpBlock): boolean {
  return PRIVATE_RANGES.some((range) => cidrsOverlap(block.cidr, range) && !block.except.some((e) => cidrContains(e, intersect(range, block.cidr))));
}

function intersect(a: Cidr, b: Cidr): Cidr {
  // Two CIDR blocks that overlap are nested: the smaller one is the intersection.
  return a.prefix >= b.prefix ? a : b;
}
