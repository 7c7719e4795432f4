/** `kshield explain <rule-id>`: what a rule checks, why, how to fix it, with its examples. */
import { findRule, rules as catalogue } from '../rules/index.js';
import { UsageError } from '../core/errors.js';
import { didYouMean, suggest } from '../core/suggest.js';
import { writeOutput } from './output.js';
import { ruleMetadata } from './rules.js';
import { wrap } from '../core/text.js';

export async function runExplain(id: string, opts: { output: string }): Promise<number> {
  const rule = findRule(id);
  if (!rule) {
    if (catalogue.some((r) => r.tags.includes(id) || r.category === id)) throw new UsageError(`"${id}" is a tag, not a rule: \`kshield rules --tag ${id}\` lists its rules`);
    const near = didYouMean(suggest(id, catalogue.map((r) => r.id)));
    throw new UsageError(`unknown rule "${id}"${near ? `; ${near}` : ' (see `kshield rules`)'}`);
  }
  if (opts.output === 'json') {
    await writeOutput({ format: 'json' }, JSON.stringify({ ...ruleMetadata(rule), examples: rule.examples }, null, 2));
    return 0;
  }
  // Prose wraps to the terminal (at most 100 columns); manifests keep their lines.
  const width = Math.min(process.stdout.isTTY ? process.stdout.columns || 100 : 100, 100) - 4;
  const indent = (text: string): string => text.trim().split('\n').map((l) => `    ${l}`).join('\n');
  const prose = (text: string): string => wrap(text.trim().replace(/\s+/g, ' '), width).map((l) => `    ${l}`).join('\n');
  const out = [
    `${rule.id} — ${rule.title}`,
    '',
    `Severity:   ${rule.severity}${rule.optIn ? ' (opt-in: enable it with --only or the config)' : ''}`,
    `Category:   ${rule.category}`,
    `Tags:       ${rule.tags.join(', ')}`,
    ...(rule.frameworks ? Object.entries(rule.frameworks).map(([k, v]) => `${(k.toUpperCase() + ':').padEnd(12)}${v.join(', ')}`) : []),
    // The generated page (npm run docs:rules) adds every example and the peer tools' equivalent checks.
    `Docs:       docs/rules/${rule.id}.md`,
    '',
    'What it checks',
    prose(rule.description),
    '',
    'How to fix it',
    prose(rule.remediation),
    '',
    'Flagged, for example:',
    indent(rule.examples.invalid[0].manifest),
    '',
    'Passes, for example:',
    indent(rule.examples.valid[0]),
    '',
    'References',
    ...rule.references.map((r) => `    ${r}`),
  ];
  await writeOutput({ format: 'table' }, out.join('\n'));
  return 0;
}

