/**
 * Calico selector expressions (`app == 'web' && has(tier)`, `all()`, `env in {'a','b'}`, ...), as
 * projectcalico.org/v3 policies write them in `selector` and `namespaceSelector`. Only used to
 * decide which pods such a policy plausibly covers; reachability never relies on it.
 *
 * Supported: all(), global(), has(k), !has(k), k == 'v', k != 'v', k in {...}, k not in {...},
 * k contains/starts with/ends with 'v', !, &&, ||, parentheses. Anything else fails to parse,
 * and the caller decides what an unreadable selector means.
 */
import type { Labels } from '../k8s/labels.js';

export type CalicoSelector =
  | { op: 'all' }
  | { op: 'has'; key: string }
  | { op: 'eq' | 'ne' | 'contains' | 'starts' | 'ends'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'not'; inner: CalicoSelector }
  | { op: 'and' | 'or'; left: CalicoSelector; right: CalicoSelector };

type Token = { type: 'word' | 'string' | 'sym'; text: string };

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '&&', '||'].includes(two)) {
      tokens.push({ type: 'sym', text: two });
      i += 2;
      continue;
    }
    if ('!(){},'.includes(c)) {
      tokens.push({ type: 'sym', text: c });
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return undefined;
      tokens.push({ type: 'string', text: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_./-]+/.exec(text.slice(i));
    if (!m) return undefined;
    tokens.push({ type: 'word', text: m[0] });
    i += m[0].length;
  }
  return tokens;
}

export function parseCalicoSelector(text: unknown): CalicoSelector | undefined {
  if (text === undefined || text === null) return { op: 'all' };
  if (typeof text !== 'string') return undefined;
  if (text.trim() === '') return { op: 'all' };
  const tokens = tokenize(text);
  if (!tokens) return undefined;
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isSym = (s: string): boolean => peek()?.type === 'sym' && peek()?.text === s;
  const expect = (s: string): boolean => {
    if (!isSym(s)) return false;
    pos++;
    return true;
  };
  const strings = (): string[] | undefined => {
    if (!expect('{')) return undefined;
    const values: string[] = [];
    while (!isSym('}')) {
      const t = peek();
      if (t?.type !== 'string') return undefined;
      values.push(t.text);
      pos++;
      if (!expect(',')) break;
    }
    return expect('}') ? values : undefined;
  };
  const unary = (): CalicoSelector | undefined => {
    if (expect('!')) {
      const inner = unary();
      return inner && { op: 'not', inner };
    }
    if (expect('(')) {
      const inner = or();
      return inner && expect(')') ? inner : undefined;
    }
    const t = peek();
    if (t?.type !== 'word') return undefined;
    pos++;
    if ((t.text === 'all' || t.text === 'global') && isSym('(')) {
      pos++;
      return expect(')') ? { op: 'all' } : undefined;
    }
    if (t.text === 'has' && isSym('(')) {
      pos++;
      const key = peek();
      if (key?.type !== 'word') return undefined;
      pos++;
      return expect(')') ? { op: 'has', key: key.text } : undefined;
    }
    const key = t.text;
    const next = peek();
    if (!next) return undefined;
    const valueAfter = (): string | undefined => {
      const v = peek();
      if (v?.type !== 'string') return undefined;
      pos++;
      return v.text;
    };
    if (next.type === 'sym' && (next.text === '==' || next.text === '!=')) {
      pos++;
      const value = valueAfter();
      return value === undefined ? undefined : { op: next.text === '==' ? 'eq' : 'ne', key, value };
    }
    if (next.type === 'word') {
      pos++;
      if (next.text === 'in') {
        const values = strings();
        return values && { op: 'in', key, values };
      }
      if (next.text === 'not' && peek()?.text === 'in') {
        pos++;
        const values = strings();
        return values && { op: 'notin', key, values };
      }
      if (next.text === 'contains') {
        const value = valueAfter();
        return value === undefined ? undefined : { op: 'contains', key, value };
      }
      if ((next.text === 'starts' || next.text === 'ends') && peek()?.text === 'with') {
        pos++;
        const value = valueAfter();
        return value === undefined ? undefined : { op: next.text === 'starts' ? 'starts' : 'ends', key, value };
      }
    }
    return undefined;
  };
  const and = (): CalicoSelector | undefined => {
    let left = unary();
    while (left && expect('&&')) {
      const right = unary();
      if (!right) return undefined;
      left = { op: 'and', left, right };
    }
    return left;
  };
  const or = (): CalicoSelector | undefined => {
    let left = and();
    while (left && expect('||')) {
      const right = and();
      if (!right) return undefined;
      left = { op: 'or', left, right };
    }
    return left;
  };
  const result = or();
  return result && pos === tokens.length ? result : undefined;
}

export function calicoMatches(selector: CalicoSelector, labels: Labels): boolean {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  switch (selector.op) {
    case 'all':
      return true;
    case 'has':
      return has(selector.key);
    case 'eq':
      return has(selector.key) && labels[selector.key] === selector.value;
    case 'ne':
      return !has(selector.key) || labels[selector.key] !== selector.value;
    case 'contains':
      return has(selector.key) && labels[selector.key].includes(selector.value);
    case 'starts':
      return has(selector.key) && labels[selector.key].startsWith(selector.value);
    case 'ends':
      return has(selector.key) && labels[selector.key].endsWith(selector.value);
    case 'in':
      return has(selector.key) && selector.values.includes(labels[selector.key]);
    case 'notin':
      return !has(selector.key) || !selector.values.includes(labels[selector.key]);
    case 'not':
      return !calicoMatches(selector.inner, labels);
    case 'and':
      return calicoMatches(selector.left, labels) && calicoMatches(selector.right, labels);
    case 'or':
      return calicoMatches(selector.left, labels) || calicoMatches(selector.right, labels);
  }
}

/** Every label key the selector reads. */
export function calicoKeys(selector: CalicoSelector): string[] {
  switch (selector.op) {
    case 'all':
      return [];
    case 'not':
      return calicoKeys(selector.inner);
    case 'and':
    case 'or':
      return [...calicoKeys(selector.left), ...calicoKeys(selector.right)];
    default:
      return [selector.key];
  }
}
