/** Resource quantities (`500m`, `1Gi`, `1e3`) as the API machinery reads them. */

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

const SUFFIX_FACTOR: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("500m", "1.5Gi", "1e3", 2) as a number; undefined when unreadable. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = QUANTITY.exec(value.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  const suffix = m[2] ?? '';
  const factor = /^[eE][+-]?\d+$/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTOR[suffix];
  return base * factor;
}

/** Two quantities are equal up to rounding (1Gi and 1073741824 are the same). */
export function sameQuantity(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-9);
}

