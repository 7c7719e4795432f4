/** `kshield rules`: the catalogue as a table or JSON. */
import { rules as catalogue } from '../rules/index.js';
import type { Rule, RuleMeta } from '../core/rule.js';
import { UsageError } from './errors.js';
import { writeOutput } from './output.js';
import { didYouMean, suggest } from '../core/suggest.js';

export function ruleMetadata(rule: Rule): RuleMeta & { enabledByDefault: boolean } {
  const { check: _check, examples: _examples, ...meta } = rule;
  return { ...meta, enabledByDefault: !rule.optIn };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export async function runRules(opts: { output: string; tag?: string }): Promise<number> {
  let selected: readonly Rule[] = catalogue;
  if (opts.tag) {
    selected = catalogue.filter((r) => r.tags.includes(opts.tag!) || r.category === opts.tag);
    if (selected.length === 0) {
      const near = didYouMean(suggest(opts.tag, [...new Set(catalogue.flatMap((r) => [...r.tags, r.category]))]));
      throw new UsageError(`no rule has the tag or category "${opts.tag}"${near ? `; ${near}` : ''}`);
    }
  }
  if (opts.output === 'json') {
    await writeOutput({ format: 'json' }, JSON.stringify(selected.map(ruleMetadata), null, 2));
    return 0;
  }
  const idWidth = Math.max(...selected.map((r) => r.id.length), 2) + 2;
  const lines = [`${pad('ID', idWidth)}${pad('SEVERITY', 10)}${pad('CATEGORY', 14)}TITLE`];
  for (const r of selected) lines.push(`${pad(r.id, idWidth)}${pad(r.severity, 10)}${pad(r.category, 14)}${r.title}${r.optIn ? ' (opt-in)' : ''}`);
  lines.push('', `${selected.length} rules. \`kshield explain <id>\` describes one; select with --only/--skip by id or tag.`);
  await writeOutput({ format: 'table' }, lines.join('\n'));
  return 0;
}
