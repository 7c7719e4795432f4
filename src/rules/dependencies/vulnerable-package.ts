import { defineRule } from '../define.js';
import { LOCKFILE_KIND, type LockfileView } from '../../sources/lockfile.js';
import { IMAGE_KIND, type ImagePackage } from '../../images/image-object.js';
import { SEVERITIES, type Severity } from '../../core/types.js';
import { imageRiskReasons, imageUses, lockfileOnlyInDiscardedStages, RISK_READS } from '../correlation/shared.js';
import { DOCKERFILE_KIND } from '../../sources/dockerfile.js';

/** One level more severe (critical stays critical). */
function raised(severity: Severity): Severity {
  return SEVERITIES[Math.max(0, SEVERITIES.indexOf(severity) - 1)];
}

/** One level less severe (info stays info). */
function lowered(severity: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(severity) + 1)];
}

/** "A; B; C and 2 more": the reasons a message names, the first few. */
function listed(reasons: string[]): string {
  return reasons.length > 3 ? `${reasons.slice(0, 3).join('; ')} and ${reasons.length - 3} more` : reasons.join('; ');
}

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

/** A ContainerImage as `kshield scan --images` makes it, with one medium vulnerability attached. */
const imageWithVulnerability = `apiVersion: kshield.io/v1
kind: ContainerImage
metadata: {name: registry.example/shop/api:1.4.2}
image: {source: registry}
config: {User: "10001"}
packages:
- {name: libssl3, version: 3.0.11-1~deb12u2, ecosystem: 'Debian:12', purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?distro=debian-12', source: {name: openssl, version: 3.0.11-1~deb12u2}, path: /var/lib/dpkg/status, layer: 0}
vulnerabilities:
- package: 0
  id: CVE-2024-5535
  aliases: [DSA-5764-1]
  severity: medium
  fixed: 3.0.14-1~deb12u1
  explanation: 'CVE-2024-5535 (Debian:12 openssl) ECOSYSTEM range {introduced 0, fixed 3.0.14-1~deb12u1}: 3.0.11-1~deb12u2 is below fixed 3.0.14-1~deb12u1'
`;

export const vulnerablePackage = defineRule({
  id: 'vulnerable-package',
  title: 'A locked dependency or an installed package has a known vulnerability',
  severity: 'high',
  category: 'dependencies',
  tags: ['dependencies', 'vulnerabilities', 'supply-chain'],
  appliesTo: [LOCKFILE_KIND, IMAGE_KIND],
  reads: [...RISK_READS, DOCKERFILE_KIND],
  description:
    'A package a lockfile pins (package-lock.json, yarn.lock, pnpm-lock.yaml, requirements*.txt, poetry.lock, Pipfile.lock, ' +
    'go.mod, pom.xml, Cargo.lock), or a package installed in an image (`kshield image`: dpkg, apk, npm, Python, Go binaries, ' +
    'Java archives; a distribution\'s package by its source package), is in the affected range of an OSV advisory in the vulnerability database (`kshield db ' +
    'update`, or `--db DIR`). One finding per vulnerability and package, aliases merged (a CVE and the GHSA for it are one); ' +
    'An exemption can name the vulnerability by id or alias (`vulnerabilities: [CVE-2024-3094]`). ' +
    'Its severity is the advisory\'s, computed from its CVSS vector (info when it gives none). The message says which range ' +
    'matched, with which events, against which version, so the match can be checked by hand. Advisories a VEX statement ' +
    '(`--vex`) marks not affecting are left out; `--ignore-unfixed` leaves out those without a fixed version. ' +
    'In an image a workload of the same scan runs (`kshield scan --images`), a vulnerability is raised one level (critical ' +
    'stays critical) when that workload runs the image in a privileged container, or a Service of type LoadBalancer or ' +
    'NodePort, or an Ingress, sends it traffic from outside the cluster (not counted when a NetworkPolicy selecting its pods ' +
    'for ingress admits only some sources or ports, or a Cilium or Calico policy selects them), or its pods run as a service ' +
    'account whose roles and bindings in the scan lead to cluster-admin (`kshield rbac paths` shows how) with its token mounted; the message starts with the ' +
    'advisory\'s own severity and why it was raised. A lockfile\'s vulnerability is lowered one level when the Dockerfiles of the scan whose ' +
    'directory holds the lockfile bring it (COPY/ADD) only into stages the final image takes nothing from (neither built FROM nor ' +
    'copied --from by the final stage, transitively), such as a test or lint stage: its packages ship in no image those Dockerfiles build. ' +
    'A stage the image takes files from (a build stage whose output is copied) counts as shipping them: compiled and bundled code carries its dependencies.',
  remediation: 'Update the dependency to the fixed version (or later) and regenerate the lockfile; in an image, rebuild on an updated base or upgrade the package; where the vulnerable code is not reachable, record why in a VEX statement or a governed exemption.',
  references: [OSV, 'https://osv.dev/'],
  check: (resource, context) => {
    const view = resource.object as unknown as LockfileView;
    const vulnerabilities = Array.isArray(view.vulnerabilities) ? view.vulnerabilities : [];
    // Where the image runs decides how much its vulnerabilities matter (computed once for all of them).
    const reasons = resource.kind === IMAGE_KIND && vulnerabilities.length > 0 ? imageRiskReasons(resource, context) : [];
    // A lockfile the scan's Dockerfiles bring only into stages the final image takes nothing from ships in no image.
    const discarded = resource.kind === LOCKFILE_KIND && vulnerabilities.length > 0 ? lockfileOnlyInDiscardedStages(resource, context) : undefined;
    // The three views of one workload: the image's finding also points at the manifest fields that run it, and the Dockerfile line below.
    const uses = resource.kind === IMAGE_KIND && vulnerabilities.length > 0 ? imageUses(resource, context) : [];
    return vulnerabilities.flatMap((v, i) => {
      const pkg = (Array.isArray(view.packages) ? view.packages[v.package] : undefined) as (LockfileView['packages'][number] & Partial<ImagePackage>) | undefined;
      if (!pkg) return [];
      // In an image, say which source package was matched and where the package was found.
      const source = pkg.source ? ` (source ${pkg.source.name} ${pkg.source.version})` : '';
      const layer = pkg.layer !== undefined ? ` (layer ${pkg.layer}${pkg.dockerfile ? `, made by ${pkg.dockerfile}` : ''})` : '';
      const where = resource.kind === IMAGE_KIND && pkg.path ? ` in ${pkg.path}${layer}` : '';
      const aliases = v.aliases.length > 0 ? ` (${v.aliases.join(', ')})` : '';
      const rating = v.rating ? `, ${v.rating}` : '';
      const fix = v.fixed ? `fixed in ${v.fixed}` : 'no fixed version yet';
      let severity = reasons.length > 0 ? raised(v.severity) : v.severity;
      let risk = reasons.length === 0 ? '' : severity === v.severity ? `${v.severity} (not raised further: ${listed(reasons)}): ` : `raised from ${v.severity} to ${severity}: ${listed(reasons)}. `;
      if (discarded) {
        severity = lowered(v.severity);
        const why = `${resource.name} goes only into stage "${discarded.stage}" of ${discarded.dockerfile}:${discarded.line}, which the final image takes nothing from`;
        risk = severity === v.severity ? `${v.severity} (not lowered further: ${why}): ` : `lowered from ${v.severity} to ${severity}: ${why}. `;
      }
      return [
        {
          path: `/vulnerabilities/${i}`,
          message: `${risk}${pkg.name} ${pkg.version}${source}${where} has ${v.id}${aliases}${rating}: ${fix}${v.summary ? `. ${v.summary}` : ''}. Matched: ${v.explanation}`,
          severity,
          key: `${v.id}\u0000${pkg.name}\u0000${pkg.version}`,
          advisories: [v.id, ...v.aliases],
          locations: [
            ...(pkg.dockerfileAt ? [{ file: pkg.dockerfileAt.file, line: pkg.dockerfileAt.line, what: pkg.dockerfileAt.baseImage !== undefined ? `the FROM of base image ${pkg.dockerfileAt.baseImage}, whose layer ${pkg.layer} holds ${pkg.name}` : `the Dockerfile instruction that made layer ${pkg.layer}, which holds ${pkg.name}` }] : []),
            ...uses,
            ...(discarded ? [{ file: discarded.dockerfile, line: discarded.line, what: `brings ${resource.name} into stage "${discarded.stage}" only` }] : []),
          ],
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
      {
        manifest: imageWithVulnerability,
        expect: [{ path: '/vulnerabilities/0', message: 'libssl3 3.0.11-1~deb12u2 (source openssl 3.0.11-1~deb12u2) in /var/lib/dpkg/status (layer 0) has CVE-2024-5535' }],
      },
      {
        // The image runs privileged in a Deployment of the scan: medium is raised to high.
        manifest: `${imageWithVulnerability}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.example/shop/api:1.4.2
        securityContext: {privileged: true}
`,
        expect: [{ path: '/vulnerabilities/0', message: 'raised from medium to high: Deployment "api" (namespace shop) runs it privileged (container "api"). libssl3' }],
      },
      {
        // The workload's service account is bound to cluster-admin: a compromise of the process is one of the cluster.
        manifest: `${imageWithVulnerability}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: deployer
      containers:
      - name: api
        image: registry.example/shop/api:1.4.2
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: deployer-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: shop}
`,
        expect: [{ path: '/vulnerabilities/0', message: 'raised from medium to high: Deployment "api" (namespace shop) runs as ServiceAccount shop/deployer, whose RBAC leads to cluster-admin (' }],
      },
    ],
  },
});
