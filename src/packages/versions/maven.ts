/**
 * Maven version ordering, as Maven 3.9's ComparableVersion (maven-artifact) defines it and the POM
 * reference's "Version Order Specification" describes: the version is split into items at `.`, `-`
 * and transitions between digits and letters; a `-` (or a transition) opens a sub-list; trailing
 * "null" items (0, "", "final", "ga", "release") are dropped from every list; numbers compare as
 * numbers; qualifiers order alpha < beta < milestone < rc = cr < snapshot < "" = ga = final =
 * release < sp < any other qualifier (alphabetically); `a1`, `b1`, `m1` abbreviate alpha-1, beta-1,
 * milestone-1; a letter-digit combination ("x1", "x-1") is its own item; ".qualifier" counts as
 * "-qualifier". Case is ignored.
 */

type Item = IntItem | StringItem | CombinationItem | ListItem;

interface IntItem {
  kind: 'int';
  value: bigint;
}
interface StringItem {
  kind: 'string';
  value: string;
}
interface CombinationItem {
  kind: 'combination';
  string: StringItem;
  digit: IntItem;
}
interface ListItem {
  kind: 'list';
  items: Item[];
}

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_QUALIFIERS = new Set(['ga', 'final', 'release']);
const RELEASE_INDEX = String(QUALIFIERS.indexOf(''));

function intItem(text: string): IntItem {
  return { kind: 'int', value: BigInt(text.length > 0 ? text : '0') };
}

function stringItem(value: string, followedByDigit: boolean): StringItem {
  if (followedByDigit && value.length === 1) {
    // a1 = alpha-1, b1 = beta-1, m1 = milestone-1
    if (value === 'a') value = 'alpha';
    else if (value === 'b') value = 'beta';
    else if (value === 'm') value = 'milestone';
  }
  return { kind: 'string', value: value === 'cr' ? 'rc' : value };
}

function combinationItem(text: string): CombinationItem {
  const index = Math.max(0, text.search(/\d/));
  return { kind: 'combination', string: stringItem(text.slice(0, index), true), digit: intItem(text.slice(index)) };
}

/** Known qualifiers by their index, unknown ones after them alphabetically (compared as strings, as Maven does). */
function comparableQualifier(qualifier: string): string {
  if (RELEASE_QUALIFIERS.has(qualifier)) return RELEASE_INDEX;
  const i = QUALIFIERS.indexOf(qualifier);
  return i === -1 ? `${QUALIFIERS.length}-${qualifier}` : String(i);
}

const cmp = (a: string | bigint, b: string | bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'int':
      return item.value === 0n;
    case 'string':
      return item.value === '';
    case 'combination':
      return false;
    case 'list':
      return item.items.length === 0;
  }
}

/** Compares an item with another one, or with nothing (`undefined`: the other version has ended). */
function compareItem(a: Item, b: Item | undefined): number {
  switch (a.kind) {
    case 'int':
      if (b === undefined) return a.value === 0n ? 0 : 1; // 1.0 == 1, 1.1 > 1
      return b.kind === 'int' ? cmp(a.value, b.value) : 1; // 1.1 > 1-sp, 1.1 > 1-1
    case 'string':
      if (b === undefined) return cmp(comparableQualifier(a.value), RELEASE_INDEX); // 1-rc < 1, 1-sp > 1
      switch (b.kind) {
        case 'int':
        case 'list':
          return -1;
        case 'string':
          return cmp(comparableQualifier(a.value), comparableQualifier(b.value));
        case 'combination': {
          const r = compareItem(a, b.string);
          return r === 0 ? -1 : r; // X < X1
        }
      }
      break;
    case 'combination':
      if (b === undefined) return compareItem(a.string, undefined);
      switch (b.kind) {
        case 'int':
        case 'list':
          return -1;
        case 'string': {
          const r = compareItem(a.string, b);
          return r === 0 ? 1 : r; // X1 > X
        }
        case 'combination': {
          const r = compareItem(a.string, b.string);
          return r === 0 ? compareItem(a.digit, b.digit) : r;
        }
      }
      break;
    case 'list':
      if (b === undefined) {
        for (const item of a.items) {
          const r = compareItem(item, undefined);
          if (r !== 0) return r;
        }
        return 0;
      }
      switch (b.kind) {
        case 'int':
          return -1; // 1-1 < 1.0.x
        case 'string':
        case 'combination':
          return 1; // 1-1 > 1-sp
        case 'list':
          for (let i = 0; i < Math.max(a.items.length, b.items.length); i++) {
            const l = a.items[i];
            const r = b.items[i];
            const result = l === undefined ? (r === undefined ? 0 : -compareItem(r, undefined)) : compareItem(l, r);
            if (result !== 0) return result;
          }
          return 0;
      }
  }
  return 0;
}

function normalize(list: ListItem): void {
  const items = list.items;
  for (let i = items.length - 1; i >= 0; i--) {
    if (!isNull(items[i])) continue;
    const following = items[i + 1];
    if (following === undefined || following.kind === 'string') items.splice(i, 1);
    else if (following.kind === 'list') {
      const head = following.items[0];
      if (head !== undefined && (head.kind === 'combination' || head.kind === 'string')) items.splice(i, 1);
    }
  }
}

function parseItem(isCombination: boolean, isDigit: boolean, text: string): Item {
  if (isCombination) return combinationItem(text.replaceAll('-', ''));
  if (isDigit) return intItem(text.replace(/^0+/, ''));
  return stringItem(text, false);
}

const isDigitChar = (c: string): boolean => c >= '0' && c <= '9';

export function parseMavenVersion(version: string): ListItem {
  const text = version.toLowerCase();
  const root: ListItem = { kind: 'list', items: [] };
  let list = root;
  const stack: ListItem[] = [root];
  const push = (): void => {
    const sub: ListItem = { kind: 'list', items: [] };
    list.items.push(sub);
    list = sub;
    stack.push(sub);
  };
  let isDigit = false;
  let isCombination = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '.') {
      list.items.push(i === start ? intItem('0') : parseItem(isCombination, isDigit, text.slice(start, i)));
      isCombination = false;
      start = i + 1;
    } else if (c === '-') {
      if (i === start) list.items.push(intItem('0'));
      else {
        // X-1 is read as X1.
        if (!isDigit && i !== text.length - 1 && isDigitChar(text[i + 1])) {
          isCombination = true;
          continue;
        }
        list.items.push(parseItem(isCombination, isDigit, text.slice(start, i)));
      }
      start = i + 1;
      if (list.items.length > 0) push();
      isCombination = false;
    } else if (isDigitChar(c)) {
      if (!isDigit && i > start) {
        isCombination = true;
        if (list.items.length > 0) push();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(parseItem(isCombination, true, text.slice(start, i)));
        start = i;
        push();
        isCombination = false;
      }
      isDigit = false;
    }
  }
  if (text.length > start) {
    // 1.0.0.X1 < 1.0.0-X2: ".X" counts as "-X" for a qualifier X.
    if (!isDigit && list.items.length > 0) push();
    list.items.push(parseItem(isCombination, isDigit, text.slice(start)));
  }
  while (stack.length > 0) normalize(stack.pop()!);
  return root;
}

/**
 * Versions already parsed (never changed once built): matching compares one installed version with
 * every event of every candidate advisory. Bounded, as the semver cache is.
 */
const parsed = new Map<string, ListItem>();
const MAX_PARSED = 100_000;

function parsedMaven(version: string): ListItem {
  let item = parsed.get(version);
  if (!item) {
    item = parseMavenVersion(version);
    if (parsed.size >= MAX_PARSED) parsed.clear();
    parsed.set(version, item);
  }
  return item;
}

export function compareMaven(a: string, b: string): number {
  return compareItem(parsedMaven(a), parsedMaven(b));
}
