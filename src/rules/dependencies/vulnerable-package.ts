import { defineRule } from '../define.js';
import { LOCKFILE_KIND, type LockfileView } from '../../sources/lockfile.js';

const OSV = 'https://ossf.github.io/osv-schema/';

/** A Lockfile object as `kshield scan` makes it, with the vulnerabilities matching adds (sources/lockfile.ts). */
const lockfile = (vulnerabilities: string): string => `apiVersion: kshield.io/v1
kind: Lockfile
metadata: {name: web/package-lock.json}
format: package-lock
ecosystem: npm
packages:
- {name: express, version: 4.18.2, ecosystem: npm, purl: pkg:npm/express@4.18.2, line: 12}
- {name: qs, version: 6.11.0, ecosystem: npm, purl: pkg:npm/qs@6.11.0, line: 40}
${vulnerabilities}`;

export const vulnerablePackage = defineRule({
  id: 'vulnerable-package',
  title: 'A locked dependency has a known vulnerability',
  severity: 'high',
  category: 'dependencies',
  tags: ['dependencies', 'vulnerabilities', 'supply-chain'],
  appliesTo: [LOCKFILE_KIND],
  description:
    'A package a lockfile pins (package-lock.json, yarn.lock, pnpm-lock.yaml, requirements*.txt, poetry.lock, Pipfile.lock, ' +
    'go.mod, pom.xml, Cargo.lock) is in the affected range of an OSV advisory in the vulnerability database (`kshield db ' +
    'update`, or `--db DIR`). One finding per vulnerability and package, aliases merged (a CVE and the GHSA for it are one); ' +
    'its severity is the advisory\'s, computed from its CVSS vector (info when it gives none). The message says which range ' +
    'matched, with which events, against which version, so the match can be checked by hand. Advisories a VEX statement ' +
    '(`--vex`) marks not affecting are left out; `--ignore-unfixed` leaves out those without a fixed version.',
  remediation: 'Update the dependency to the fixed version (or later) and regenerate the lockfile; where the vulnerable code is not reachable, record why in a VEX statement or a governed exemption.',
  references: [OSV, 'https://osv.dev/'],
  check: (resource) => {
    const view = resource.object as unknown as LockfileView;
    const vulnerabilities = Array.isArray(view.vulnerabilities) ? view.vulnerabilities : [];
    return vulnerabilities.flatMap((v, i) => {
      const pkg = Array.isArray(view.packages) ? view.packages[v.package] : undefined;
      if (!pkg) return [];
      const aliases = v.aliases.length > 0 ? ` (${v.aliases.join(', ')})` : '';
      const rating = v.rating ? `, ${v.rating}` : '';
      const fix = v.fixed ? `fixed in ${v.fixed}` : 'no fixed version yet';
      return [
        {
          path: `/vulnerabilities/${i}`,
          message: `${pkg.name} ${pkg.version} has ${v.id}${aliases}${rating}: ${fix}${v.summary ? `. ${v.summary}` : ''}. Matched: ${v.explanation}`,
          severity: v.severity,
          key: `${v.id}\u0000${pkg.name}\u0000${pkg.version}`,
        },
      ];
    });
  },
  examples: {
    valid: [lockfile('vulnerabilities: []\n'), lockfile('')],
    invalid: [
      {
        manifest: lockfile(`vulnerabilities:
- package: 0
  id: CVE-2024-29041
  aliases: [GHSA-rv95-896h-c2vc]
  severity: medium
  rating: CVSS 3.1 6.1
  fixed: 4.19.2
  explanation: 'GHSA-rv95-896h-c2vc (npm express) SEMVER range {introduced 0, fixed 4.19.2}: 4.18.2 is below fixed 4.19.2'
`),
        expect: ['/vulnerabilities/0'],
      },
    ],
  },
});
