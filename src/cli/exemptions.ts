/** `kshield exemptions audit`: exemptions that matched nothing or have expired. */
import { scanFiles } from '../core/scan.js';
import { exemptionItemPosition } from '../core/config.js';
import { UsageError } from './errors.js';
import { applyNamespaceOption } from './inputs.js';
import { writeOutput } from './output.js';
import { loadConfigOption } from './scan.js';

export async function runExemptionsAudit(paths: string[], opts: { config?: string; output: string; namespace?: string; applyNamespace?: string }): Promise<number> {
  // Exemptions scoped to namespaces match objects where the scan places them.
  const namespace = applyNamespaceOption(opts.applyNamespace, opts.namespace);
  const config = await loadConfigOption(opts.config);
  if (!config) throw new UsageError('no configuration: give --config FILE or create .kshield.yaml');
  const exemptions = config.exemptions ?? [];
  const result = await scanFiles(paths.length ? paths : ['.'], { config, inlineSuppressions: false, namespace });
  const problems = result.exemptions
    .filter((u) => u.expired || u.matched === 0)
    .map((u) => ({
      index: u.exemption.source?.index,
      file: u.exemption.source?.file,
      // Expired: the `expires:` line is what to change. Unused: the whole item is in question.
      line: u.expired ? u.exemption.source?.line : exemptionItemPosition(u.exemption)?.line,
      rules: u.exemption.rules,
      owner: u.exemption.owner,
      reason: u.exemption.reason,
      expires: u.exemption.expires,
      matched: u.matched,
      problem: u.expired ? 'expired' : 'unused',
    }));
  if (opts.output === 'json') {
    await writeOutput({ format: 'json' }, JSON.stringify({ exemptions: exemptions.length, problems, errors: result.errors }, null, 2));
  } else {
    const lines = problems.map(
      (p) =>
        `${p.file}:${p.line}: ${p.problem === 'expired' ? `expired on ${p.expires}` : 'matched no finding'}: exemptions[${p.index}] for ${p.rules.join(', ')} (owner ${p.owner}${p.matched ? `, would match ${p.matched} finding(s)` : ''})`,
    );
    lines.push(`${exemptions.length} exemption(s), ${problems.length} to review.`);
    for (const e of result.errors) lines.push(`${e.file}${e.line ? `:${e.line}` : ''}: error: ${e.message}`);
    await writeOutput({ format: 'table' }, lines.join('\n'));
  }
  if (result.errors.length > 0) return 2;
  return problems.length > 0 ? 1 : 0;
}
