/** Rule selection: --only/--skip and the configuration's enable/disable lists, by id or tag. */
import type { Rule } from './rule.js';
import { didYouMean, suggest } from './suggest.js';

export class SelectionError extends Error {}

export interface Selection {
  only?: readonly string[];
  skip?: readonly string[];
  /** From the configuration: ids or tags switched on (opt-in rules included) or off. */
  enable?: readonly string[];
  disable?: readonly string[];
}

function matches(rule: Rule, selector: string): boolean {
  return selector === rule.id || rule.tags.includes(selector) || selector === rule.category;
}

export function knownSelector(catalogue: readonly Rule[], selector: string): boolean {
  return catalogue.some((r) => matches(r, selector));
}

/** Every word that selects rules: ids, then tags and categories, in catalogue order. */
export function selectorNames(catalogue: readonly Rule[]): string[] {
  return [...new Set([...catalogue.map((r) => r.id), ...catalogue.flatMap((r) => [...r.tags, r.category])])];
}

/** `; did you mean "x"?` for a selector close to a rule id, tag or category, else ''. */
export function selectorHint(catalogue: readonly Rule[], selector: string): string {
  const phrase = didYouMean(suggest(selector, selectorNames(catalogue)));
  return phrase ? `; ${phrase}` : '';
}

/**
 * Order of precedence: --only chooses the candidate set (opt-in rules included when named);
 * otherwise default-on rules plus the configuration's `enable`. Then the configuration's
 * `disable` and --skip remove rules.
 */
export function selectRules(catalogue: readonly Rule[], selection: Selection): Rule[] {
  for (const list of [selection.only, selection.skip, selection.enable, selection.disable]) {
    for (const s of list ?? []) {
      if (!knownSelector(catalogue, s)) throw new SelectionError(`unknown rule id or tag "${s}"${selectorHint(catalogue, s) || ' (see `kshield rules`)'}`);
    }
  }
  let chosen: Rule[];
  if (selection.only && selection.only.length > 0) {
    chosen = catalogue.filter((r) => selection.only!.some((s) => matches(r, s)));
  } else {
    chosen = catalogue.filter((r) => !r.optIn || (selection.enable ?? []).some((s) => matches(r, s)));
  }
  const removed = [...(selection.disable ?? []), ...(selection.skip ?? [])];
  return chosen.filter((r) => !removed.some((s) => matches(r, s)));
}
