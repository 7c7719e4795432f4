/**
 * "Did you mean": the one suggester for every name a user can misspell (rule ids and tags in
 * annotations, the configuration, `explain`, `--only`/`--skip`; configuration keys; container
 * names; output formats). Callers pass the names that are valid where the word was written.
 *
 * A candidate is suggested when it is close to the word by edit distance, counting a swap of two
 * neighbouring characters as one edit (Damerau-Levenshtein in its optimal-string-alignment form:
 * "host-netwrk" is one insertion from "host-network", "hsot-pid" one swap from "host-pid"), or
 * when its first "-"-separated parts are, so a shortened name finds the full one ("rbac-wildcard"
 * -> "rbac-wildcard-verbs", "privilged" -> "privileged-container"). Case is ignored. How many edits
 * are allowed grows with the word's length (see `maxEdits`), so short words only get near-identical
 * suggestions. Only the closest are given: whole names if any is close enough, else extensions;
 * of those, the ones with the fewest edits. Among them: shortest extension first, then the longest
 * prefix shared with the word, then the order the caller gave.
 */

/** Edits allowed for a word of this length: 0 below 3 characters, 1 below 6, 2 below 10, else 3. */
export function maxEdits(length: number): number {
  return length < 3 ? 0 : length < 6 ? 1 : length < 10 ? 2 : 3;
}

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of adjacent
 * characters, each costing 1 (no substring is edited twice). With `limit`, any distance above it
 * is returned as `limit + 1` as soon as that is certain.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  // Three rows: the one before the previous one is needed for swaps.
  let before = new Array<number>(n + 1).fill(0);
  let previous = Array.from({ length: n + 1 }, (_, j) => j);
  let current = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [before, previous, current] = [previous, current, before];
  }
  return Math.min(previous[n], limit + 1);
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

export interface SuggestOptions {
  /** Most suggestions returned (default 3). */
  limit?: number;
}

/** The candidates `word` was probably meant to be, best first (see the module comment); none when nothing is close. */
export function suggest(word: string, candidates: Iterable<string>, options: SuggestOptions = {}): string[] {
  const limit = options.limit ?? 3;
  const typed = word.trim().toLowerCase();
  if (typed === '' || limit <= 0) return [];
  const allowed = maxEdits(typed.length);
  // extension: 0 for the whole name, else how many characters the name adds after the part matched.
  const scored: { name: string; extension: number; edits: number; prefix: number; order: number }[] = [];
  const seen = new Set<string>();
  let order = 0;
  for (const name of candidates) {
    if (seen.has(name)) continue;
    seen.add(name);
    const lower = name.toLowerCase();
    if (lower === typed && name === word) continue; // the word itself is no suggestion
    const edits = editDistance(typed, lower, allowed);
    if (edits <= allowed) {
      scored.push({ name, extension: 0, edits, prefix: commonPrefix(typed, lower), order: order++ });
      continue;
    }
    // The word, maybe misspelt, as the first "-"-separated parts of the name: "privilged" -> "privileged-container".
    if (typed.length < 3) continue;
    for (let at = lower.indexOf('-', typed.length - allowed); at !== -1 && at <= typed.length + allowed; at = lower.indexOf('-', at + 1)) {
      const head = editDistance(typed, lower.slice(0, at), allowed);
      if (head <= allowed) {
        scored.push({ name, extension: lower.length - at, edits: head, prefix: commonPrefix(typed, lower), order: order++ });
        break;
      }
    }
  }
  // Whole names before extensions; then fewest edits, shortest extension, longest shared prefix, caller's order.
  scored.sort((x, y) => Number(x.extension > 0) - Number(y.extension > 0) || x.edits - y.edits || x.extension - y.extension || y.prefix - x.prefix || x.order - y.order);
  // Only the best: names as close as the closest one (a near-exact hit is not diluted by further ones).
  const best = scored[0];
  return scored
    .filter((s) => (s.extension > 0) === (best?.extension > 0) && s.edits === best.edits)
    .slice(0, limit)
    .map((s) => s.name);
}

/** `did you mean "a"?`, `did you mean "a" or "b"?`, `did you mean "a", "b" or "c"?`; '' for none. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const quoted = suggestions.map((s) => `"${s}"`);
  const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
  return `did you mean ${list}?`;
}
