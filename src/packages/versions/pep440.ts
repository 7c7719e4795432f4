/**
 * Python package version ordering, PEP 440 (the version specifiers specification of the Python
 * Packaging Authority): epochs (`1!`), release segments compared with zero padding, pre-releases
 * (`a`/`b`/`rc`, with their spellings `alpha`, `c`, `pre`, `preview`), post-releases (`.post1`,
 * `-1`), developmental releases (`.dev1`, before the pre-releases of the same release) and local
 * versions (`+ubuntu.1`, after the public version). The normalisation and ordering rules are many
 * and exact; @renovatebot/pep440 implements them (a port of the `packaging` library's, with its
 * test suite), so it is used rather than written again.
 */
import { compare, valid } from '@renovatebot/pep440';
import { InvalidVersionError } from './errors.js';

/** Versions already checked: every comparison checks both sides, and matching compares one installed version with many. */
const checked = new Map<string, boolean>();
const MAX_CHECKED = 100_000;

export function isValidPep440(version: string): boolean {
  let ok = checked.get(version);
  if (ok === undefined) {
    ok = valid(version) !== null;
    if (checked.size >= MAX_CHECKED) checked.clear();
    checked.set(version, ok);
  }
  return ok;
}

export function comparePep440(a: string, b: string): number {
  if (!isValidPep440(a)) throw new InvalidVersionError('PyPI', a);
  if (!isValidPep440(b)) throw new InvalidVersionError('PyPI', b);
  return Math.sign(compare(a, b));
}
