/**
 * Alpine package version ordering, as apk-tools' src/version.c tokenises and compares:
 * `digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}`. Digits after a dot compare as numbers
 * unless either has a leading zero (then as strings, as Gentoo does); `_alpha`, `_beta`, `_pre` and
 * `_rc` sort before the bare version, `_cvs`, `_svn`, `_git`, `_hg` and `_p` after it; `-rN` is the
 * package revision. A malformed tail ends the token stream, and apk still orders by what it read.
 */

const enum Token {
  InitialDigit,
  Digit,
  Letter,
  Suffix,
  SuffixNumber,
  CommitHash,
  Revision,
  End,
  Invalid,
}

/** Suffix weights; NONE (a version without a suffix) is the pivot. */
const SUFFIXES: Record<string, number> = { alpha: 1, beta: 2, pre: 3, rc: 4, cvs: 6, svn: 7, git: 8, hg: 9, p: 10 };
const SUFFIX_NONE = 5;

interface TokenState {
  token: Token;
  suffix: number;
  number: bigint;
  value: string;
}

class Cursor {
  constructor(
    readonly text: string,
    public at = 0,
  ) {}
  get rest(): number {
    return this.text.length - this.at;
  }
  peek(offset = 0): string {
    return this.text[this.at + offset] ?? '';
  }
  /** Consumes the longest run of characters matching `re` (one character each). */
  span(re: RegExp): string {
    const start = this.at;
    while (this.at < this.text.length && re.test(this.text[this.at])) this.at++;
    return this.text.slice(start, this.at);
  }
}

function parseDigits(t: TokenState, c: Cursor): void {
  t.value = c.span(/[0-9]/);
  t.number = t.value.length > 0 ? BigInt(t.value) : 0n;
  if (t.value.length === 0) t.token = Token.Invalid;
}

function first(c: Cursor): TokenState {
  const t: TokenState = { token: Token.InitialDigit, suffix: 0, number: 0n, value: '' };
  parseDigits(t, c);
  return t;
}

function next(t: TokenState, c: Cursor): void {
  if (c.rest === 0) {
    t.token = Token.End;
    return;
  }
  const ch = c.peek();
  if (ch >= 'a' && ch <= 'z') {
    if (t.token > Token.Digit) return invalid(t);
    t.value = ch;
    t.token = Token.Letter;
    c.at++;
  } else if (ch === '.' || (ch >= '0' && ch <= '9')) {
    if (ch === '.') {
      if (t.token > Token.Digit) return invalid(t);
      c.at++;
    }
    if (t.token === Token.InitialDigit || t.token === Token.Digit) t.token = Token.Digit;
    else if (t.token === Token.Suffix) t.token = Token.SuffixNumber;
    else return invalid(t);
    parseDigits(t, c);
  } else if (ch === '_') {
    if (t.token > Token.SuffixNumber) return invalid(t);
    c.at++;
    t.value = c.span(/[a-z]/);
    const suffix = SUFFIXES[t.value];
    if (suffix === undefined) return invalid(t);
    t.suffix = suffix;
    t.token = Token.Suffix;
  } else if (ch === '~') {
    if (t.token >= Token.CommitHash) return invalid(t);
    c.at++;
    t.value = c.span(/[0-9a-fA-F]/);
    if (t.value.length === 0) return invalid(t);
    t.token = Token.CommitHash;
  } else if (ch === '-') {
    if (t.token >= Token.Revision || c.peek(1) !== 'r') return invalid(t);
    c.at += 2;
    t.token = Token.Revision;
    parseDigits(t, c);
  } else invalid(t);
}

function invalid(t: TokenState): void {
  t.token = Token.Invalid;
}

/** apk_blob_sort: byte order, then the shorter first. */
function blobSort(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function tokenCompare(a: TokenState, b: TokenState): number {
  let x: bigint | number;
  let y: bigint | number;
  switch (a.token) {
    case Token.Digit:
      // A leading zero on either side: compare as strings, as Gentoo does.
      if (a.value[0] === '0' || b.value[0] === '0') return blobSort(a.value, b.value);
      x = a.number;
      y = b.number;
      break;
    case Token.InitialDigit:
    case Token.SuffixNumber:
    case Token.Revision:
      x = a.number;
      y = b.number;
      break;
    case Token.Letter:
      return blobSort(a.value, b.value);
    case Token.Suffix:
      x = a.suffix;
      y = b.suffix;
      break;
    default:
      return blobSort(a.value, b.value);
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Whether apk-tools reads the whole string as a version. */
export function isValidApkVersion(version: string): boolean {
  const c = new Cursor(version);
  const t = first(c);
  while (t.token < Token.End) next(t, c);
  return t.token === Token.End;
}

export function compareApk(a: string, b: string): number {
  const ca = new Cursor(a);
  const cb = new Cursor(b);
  const ta = first(ca);
  const tb = first(cb);
  while (ta.token === tb.token && ta.token < Token.End) {
    const r = tokenCompare(ta, tb);
    if (r !== 0) return r;
    next(ta, ca);
    next(tb, cb);
  }
  if (ta.token === tb.token) return 0;
  // Equal so far: the longer version is newer, unless what it has more is a pre-release suffix.
  if (ta.token === Token.Suffix && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.token === Token.Suffix && tb.suffix < SUFFIX_NONE) return 1;
  if (ta.token > tb.token) return -1;
  if (tb.token > ta.token) return 1;
  return 0;
}
