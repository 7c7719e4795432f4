/**
 * The build stage's parts working together, as a user runs them: `kshield image` and `kshield deps`
 * match what they inventory against a vulnerability database when one is there (a --db folder of
 * OSV records here), report it in every format, fail on it, and write SBOMs of images.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kshield } from './support/cli.js';
import { writeImageFixtures } from './support/image-fixtures.js';
import { cycloneDx16Validator, spdx23Validator } from './support/sbom-schemas.js';
import { DEBIAN_OPENSSL_ADVISORY, NPM_EXPRESS_ADVISORY } from './support/osv-records.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'kshield-build-stage-'));
const layout = path.join(work, 'images/shop');
const db = path.join(work, 'db');
const emptyCache = path.join(work, 'no-cache');

/** The OSV records of the database folder, by file name. */
const ADVISORIES = { 'DSA-0001-1.json': DEBIAN_OPENSSL_ADVISORY, 'GHSA-test-expr-0001.json': NPM_EXPRESS_ADVISORY };

before(async () => {
  await writeImageFixtures(path.join(work, 'images'));
  mkdirSync(db, { recursive: true });
  for (const [name, record] of Object.entries(ADVISORIES)) writeFileSync(path.join(db, name), JSON.stringify(record));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('kshield image with a vulnerability database', () => {
  test('matches the Debian advisory through the source package, and the npm one; JSON and SARIF carry both', () => {
    const json = kshield(['image', 'oci-layout', layout, '--db', db, '--max-db-age', '100000d', '-o', 'json', '--fail-on', 'none']);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { vulnerabilities: { vulnerabilities: { id: string; aliases: string[]; package: { name: string; version: string }; fixed: string; explanation: string }[] } };
    const found = report.vulnerabilities.vulnerabilities;
    const openssl = found.find((v) => v.aliases.includes('DSA-0001-1') || v.id === 'DSA-0001-1');
    assert.ok(openssl, JSON.stringify(found.map((v) => v.id)));
    // The binary package libssl1.1 is matched through its Source: openssl, with the source's version.
    assert.equal(openssl.package.name, 'libssl1.1');
    assert.equal(openssl.fixed, '1.1.1n-0+deb10u7');
    assert.match(openssl.explanation, /source package openssl 1\.1\.1n-0\+deb10u6/);
    assert.ok(found.some((v) => v.package.name === 'express' && v.fixed === '4.19.2'));
    assert.ok(!found.some((v) => v.package.name === 'bash'), 'no advisory names bash');

    const sarif = kshield(['image', 'oci-layout', layout, '--db', db, '--max-db-age', '100000d', '-o', 'sarif', '--fail-on', 'none']);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; level: string; properties: { purl?: string } }[] }[] }).runs[0].results;
    const vulnerable = results.filter((r) => r.ruleId === 'vulnerable-package');
    assert.equal(vulnerable.length, 2);
    assert.ok(vulnerable.some((r) => r.level === 'error' && r.properties.purl?.startsWith('pkg:deb/debian/libssl1.1@')));
  });

  test('--fail-on counts vulnerabilities with the configuration findings; the table shows the advisory and why', () => {
    const table = kshield(['image', 'oci-layout', layout, '--db', db, '--max-db-age', '100000d', '--fail-on', 'critical']);
    assert.equal(table.code, 1, table.stderr);
    assert.match(table.stdout, /CVE-2099-0101/);
    assert.match(table.stdout, /why: .*source package openssl/);
    // The image's configuration findings are high at most: --fail-on critical fails on the openssl advisory (CVSS 9.8) alone.
    const none = kshield(['image', 'oci-layout', layout, '--no-vulns', '--fail-on', 'critical']);
    assert.equal(none.code, 0, none.stdout);
    assert.doesNotMatch(none.stdout, /CVE-2099|not checked for vulnerabilities/);
  });

  test('without a database the image is still reported, with a note saying packages were not checked', () => {
    const r = kshield(['image', 'oci-layout', layout, '--cache-dir', emptyCache, '-o', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { vulnerabilities: unknown; vulnerabilityNote: string; packages: unknown[] };
    assert.equal(report.vulnerabilities, null);
    assert.match(report.vulnerabilityNote, /kshield db update/);
    assert.ok(report.packages.length > 5);
  });

  test('--sbom writes CycloneDX 1.6 and SPDX 2.3 documents of the image that validate against their schemas', () => {
    const cdxFile = path.join(work, 'shop.cdx.json');
    const cdx = kshield(['image', 'oci-layout', layout, '--no-vulns', '--sbom', 'cyclonedx', '-o', cdxFile, '--sbom-timestamp', '2026-12-05T00:00:00Z', '--fail-on', 'none']);
    assert.equal(cdx.code, 0, cdx.stderr);
    const cdxDoc = JSON.parse(readFileSync(cdxFile, 'utf8')) as { components: { purl?: string }[] };
    const cdxValidator = cycloneDx16Validator();
    assert.ok(cdxValidator.validate(cdxDoc), cdxValidator.errors());
    assert.ok(cdxDoc.components.some((c) => c.purl?.startsWith('pkg:deb/debian/libssl1.1@1.1.1n-0+deb10u6')), cdxDoc.components.map((c) => c.purl).join('\n'));
    const spdx = kshield(['image', 'oci-layout', layout, '--no-vulns', '--sbom', 'spdx', '--fail-on', 'none']);
    assert.equal(spdx.code, 0, spdx.stderr);
    const spdxValidator = spdx23Validator();
    assert.ok(spdxValidator.validate(JSON.parse(spdx.stdout)), spdxValidator.errors());
  });
});

describe('kshield deps with a vulnerability database', () => {
  test('a vulnerable locked package is reported with its lockfile line, and --fail-on decides the exit code', () => {
    const tree = path.join(work, 'app');
    mkdirSync(tree, { recursive: true });
    writeFileSync(
      path.join(tree, 'package-lock.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'app', version: '1.0.0', dependencies: { express: '^4.18.2' } }, 'node_modules/express': { version: '4.18.2', resolved: 'https://registry.npmjs.org/express/-/express-4.18.2.tgz' } } }, null, 2),
    );
    const r = kshield(['deps', tree, '--db', db, '--max-db-age', '100000d', '--fail-on', 'low']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /CVE-2099-0102/);
    assert.match(r.stdout, /in: package-lock\.json:\d+/);
    // The advisory's CVSS 3.1 vector scores 2.6: low.
    assert.match(r.stdout, /low 2\.6 \(CVSS 3\.1\)/);
    const lenient = kshield(['deps', tree, '--db', db, '--max-db-age', '100000d', '--fail-on', 'medium']);
    assert.equal(lenient.code, 0, lenient.stdout + lenient.stderr);
  });
});

describe('kshield scan of a repository: manifests, Dockerfiles and lockfiles in one run', () => {
  const repo = path.join(work, 'repo');
  const lock = {
    name: 'web',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'web', version: '1.0.0', dependencies: { express: '^4.18.2' } }, 'node_modules/express': { version: '4.18.2' } },
  };
  before(() => {
    mkdirSync(path.join(repo, 'web'), { recursive: true });
    writeFileSync(path.join(repo, 'web/package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
    writeFileSync(path.join(repo, 'web/Dockerfile'), 'FROM node:20.11-bookworm-slim\nUSER node\nCMD ["node", "server.js"]\n');
    writeFileSync(path.join(repo, 'deploy.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - {name: web, image: "example/web:1.0", securityContext: {privileged: true}}\n');
  });

  test('one report holds the Pod, the Dockerfile and the vulnerable locked package, at its lockfile line', () => {
    const r = kshield(['scan', repo, '--db', db, '--max-db-age', '100000d', '-o', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: { rule: string; severity: string; file: string; line: number; message: string; resource: { kind: string } }[] };
    const kinds = new Set(report.findings.map((f) => f.resource.kind));
    assert.ok(kinds.has('Pod') && kinds.has('Dockerfile') && kinds.has('Lockfile'), [...kinds].join());
    const vulnerable = report.findings.filter((f) => f.rule === 'vulnerable-package');
    assert.equal(vulnerable.length, 1);
    assert.equal(vulnerable[0].file, path.join(repo, 'web/package-lock.json'));
    // The express entry of the lockfile, not its first line.
    const line = readFileSync(path.join(repo, 'web/package-lock.json'), 'utf8').split('\n').findIndex((l) => l.includes('"node_modules/express"')) + 1;
    assert.equal(vulnerable[0].line, line);
    assert.equal(vulnerable[0].severity, 'low');
    assert.match(vulnerable[0].message, /^express 4\.18\.2 has CVE-2099-0102 \(GHSA-test-expr-0001\), CVSS 3\.1 2\.6: fixed in 4\.19\.2\. .*Matched: .*SEMVER range \{introduced 4\.0\.0, fixed 4\.19\.2\}/);
  });

  test('a lockfile the Dockerfile brings only into a stage the final image takes nothing from is lowered one level, with the reason; a stage the image copies from counts as shipping it', () => {
    const staged = path.join(work, 'staged');
    mkdirSync(path.join(staged, 'web'), { recursive: true });
    writeFileSync(path.join(staged, 'web/package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
    const vulnerability = () => {
      const r = kshield(['scan', staged, '--db', db, '--max-db-age', '100000d', '--only', 'vulnerable-package', '-o', 'json', '--fail-on', 'none']);
      assert.equal(r.code, 0, r.stderr);
      const found = (JSON.parse(r.stdout) as { findings: { rule: string; severity: string; message: string }[] }).findings;
      assert.equal(found.length, 1, r.stdout);
      return found[0];
    };
    const dockerfile = path.join(staged, 'web/Dockerfile');
    // A lint stage installs the locked packages; the final image is a static binary built elsewhere.
    writeFileSync(dockerfile, 'FROM node:20.11-bookworm-slim AS lint\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci && npm run lint\n\nFROM gcr.io/distroless/static-debian12\nCOPY server /server\nUSER 65532\n');
    const lowered = vulnerability();
    assert.equal(lowered.severity, 'info');
    assert.equal(lowered.message.split('. ')[0], `lowered from low to info: ${path.join(staged, 'web/package-lock.json')} goes only into stage "lint" of ${dockerfile}:3, which the final image takes nothing from`);
    // The final image copies the installed packages out of that stage: they ship.
    writeFileSync(dockerfile, 'FROM node:20.11-bookworm-slim AS deps\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\n\nFROM node:20.11-bookworm-slim\nCOPY --from=deps /app/node_modules /app/node_modules\nUSER node\n');
    assert.equal(vulnerability().severity, 'low');
    // A BuildKit bind mount of the build context in a stage that counts needs no COPY: not lowered.
    writeFileSync(dockerfile, 'FROM node:20.11-bookworm-slim AS lint\nCOPY package-lock.json ./\nRUN npm ci\n\nFROM node:20.11-bookworm-slim\nRUN --mount=type=bind,target=/src npm ci --prefix /src\nUSER node\n');
    assert.equal(vulnerability().severity, 'low');
    // A Dockerfile that never brings the lockfile in says nothing about how it is used.
    writeFileSync(dockerfile, 'FROM gcr.io/distroless/static-debian12\nCOPY server /server\nUSER 65532\n');
    assert.equal(vulnerability().severity, 'low');
  });

  test('an exemption for the rule suppresses the finding as for any other rule', () => {
    const config = path.join(work, 'kshield.yaml');
    writeFileSync(config, `exemptions:\n  - rules: [vulnerable-package]\n    kinds: [Lockfile]\n    names: ["*/web/package-lock.json"]\n    owner: web-team\n    reason: express is only used behind the gateway\n    expires: "2099-01-01"\n`);
    const r = kshield(['scan', repo, '--db', db, '--max-db-age', '100000d', '--config', config, '-o', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    const finding = (JSON.parse(r.stdout) as { findings: { rule: string; suppressed: boolean }[] }).findings.find((f) => f.rule === 'vulnerable-package');
    assert.ok(finding?.suppressed, r.stdout.slice(0, 400));
  });

  test('without a database the lockfile is still read, and a note says its packages were not checked', () => {
    const r = kshield(['scan', repo, '-o', 'json', '--fail-on', 'none']);
    const report = JSON.parse(r.stdout) as { findings: { rule: string }[]; notes: { file: string; message: string }[] };
    assert.ok(!report.findings.some((f) => f.rule === 'vulnerable-package'));
    assert.ok(report.notes.some((n) => n.file.endsWith('package-lock.json') && /not checked for vulnerabilities: no vulnerability database \(run `kshield db update`/.test(n.message)), JSON.stringify(report.notes));
    const quiet = kshield(['scan', repo, '--no-vulns', '-o', 'json', '--fail-on', 'none']);
    assert.ok(!(JSON.parse(quiet.stdout) as { notes: { message: string }[] }).notes.some((n) => /vulnerabilities/.test(n.message)));
  });
});

describe('kshield image is judged by the engine: exemptions, baselines and every report format', () => {
  const vulnArgs = ['--db', db, '--max-db-age', '100000d'];

  test('an exemption naming a vulnerability by an alias suppresses it, with its owner and reason, and it no longer fails the run', () => {
    const config = path.join(work, 'image-exemptions.yaml');
    writeFileSync(
      config,
      'exemptions:\n  - rules: [vulnerable-package]\n    kinds: [ContainerImage]\n    vulnerabilities: [dsa-0001-*]\n    owner: platform-team\n    reason: the TLS stack is not reachable in this image\n    expires: "2099-01-01"\n',
    );
    const before = kshield(['image', 'oci-layout', layout, ...vulnArgs, '--fail-on', 'critical']);
    assert.equal(before.code, 1, before.stdout);
    const r = kshield(['image', 'oci-layout', layout, ...vulnArgs, '--config', config, '--fail-on', 'critical']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Suppressed by exemptions or the baseline \(1\):\n  CVE-2099-0101 .*exemption \(owner platform-team\): the TLS stack is not reachable in this image/);
    // The npm advisory is not named by the exemption: still reported.
    assert.match(r.stdout, /CVE-2099-0102 +low/);
    const json = JSON.parse(kshield(['image', 'oci-layout', layout, ...vulnArgs, '--config', config, '-o', 'json', '--fail-on', 'none']).stdout) as {
      vulnerabilities: { failing: number; vulnerabilities: { id: string; suppressed: boolean; suppression?: { kind: string; owner?: string } }[] };
    };
    const openssl = json.vulnerabilities.vulnerabilities.find((v) => v.id === 'CVE-2099-0101');
    assert.deepEqual([openssl?.suppressed, openssl?.suppression?.kind, openssl?.suppression?.owner], [true, 'exemption', 'platform-team']);
    const sarif = JSON.parse(kshield(['image', 'oci-layout', layout, ...vulnArgs, '--config', config, '-o', 'sarif', '--fail-on', 'none']).stdout) as {
      runs: { results: { ruleId: string; properties: { vulnerability?: string }; suppressions?: { kind: string; justification?: string }[] }[] }[];
    };
    const result = sarif.runs[0].results.find((x) => x.properties.vulnerability === 'CVE-2099-0101');
    assert.equal(result?.suppressions?.[0]?.kind, 'external');
    assert.match(result?.suppressions?.[0]?.justification ?? '', /platform-team/);
  });

  test('an exemption of a configuration rule for images by name; --show-suppressed lists it', () => {
    const config = path.join(work, 'image-root-exemption.yaml');
    writeFileSync(config, `exemptions:\n  - rules: [image-runs-as-root]\n    kinds: [ContainerImage]\n    names: ["oci-layout ${work}/*"]\n    owner: shop-team\n    reason: the entrypoint drops privileges after binding port 80\n`);
    const plain = kshield(['image', 'oci-layout', layout, '--no-vulns', '--fail-on', 'none']);
    assert.match(plain.stdout, /MEDIUM +image-runs-as-root/);
    const r = kshield(['image', 'oci-layout', layout, '--no-vulns', '--config', config, '--fail-on', 'none']);
    assert.doesNotMatch(r.stdout, /MEDIUM +image-runs-as-root/);
    assert.match(r.stdout, /; 1 suppressed \(--show-suppressed lists them\)/);
    const shown = kshield(['image', 'oci-layout', layout, '--no-vulns', '--config', config, '--show-suppressed', '--fail-on', 'none']);
    assert.match(shown.stdout, /image-runs-as-root .*\(suppressed: exemption \(owner shop-team\): the entrypoint drops privileges after binding port 80\)/);
  });

  test('--write-baseline, then --baseline: every finding and vulnerability is accepted and the run passes', () => {
    const baseline = path.join(work, 'image-baseline.json');
    const written = kshield(['image', 'oci-layout', layout, ...vulnArgs, '--write-baseline', baseline, '--fail-on', 'none']);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stderr, /wrote baseline of \d+ finding\(s\)/);
    const r = kshield(['image', 'oci-layout', layout, ...vulnArgs, '--baseline', baseline, '--fail-on', 'info']);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /No findings about the image configuration\./);
    assert.match(r.stdout, /No vulnerabilities found\./);
    assert.match(r.stdout, /Suppressed by exemptions or the baseline \(2\):[\s\S]*in the baseline/);
  });

  test('--only and --skip select rules; junit and markdown are written as for scan', () => {
    const only = JSON.parse(kshield(['image', 'oci-layout', layout, '--no-vulns', '--only', 'image-runs-as-root', '-o', 'json', '--fail-on', 'none']).stdout) as { findings: { rule: string }[] };
    assert.deepEqual([...new Set(only.findings.map((f) => f.rule))], ['image-runs-as-root']);
    const junit = kshield(['image', 'oci-layout', layout, '--no-vulns', '-o', 'junit', '--fail-on', 'none']);
    assert.equal(junit.code, 0, junit.stderr);
    assert.match(junit.stdout, /<testsuites[\s\S]*image-runs-as-root/);
    // Only the rules that judged the image; vulnerable-package is not a passing case when nothing was checked.
    assert.doesNotMatch(junit.stdout, /name="(host-pid|privileged-container|vulnerable-package)"/);
    const junitWithDb = kshield(['image', 'oci-layout', layout, ...vulnArgs, '-o', 'junit', '--fail-on', 'none']);
    assert.match(junitWithDb.stdout, /<testsuite name="vulnerable-package" tests="1" failures="1"/);
    const md = kshield(['image', 'oci-layout', layout, '--no-vulns', '-o', 'markdown', '--fail-on', 'none']);
    assert.match(md.stdout, /image-runs-as-root/);
    const misspelt = kshield(['image', 'oci-layout', layout, '--only', 'image-runs-as-rot']);
    assert.equal(misspelt.code, 2);
    assert.match(misspelt.stderr, /image-runs-as-root/);
  });
});

describe('vulnerability findings in baselines and exemptions of kshield scan', () => {
  const repo = path.join(work, 'repo-baseline');
  const newerDb = path.join(work, 'db-newer');
  before(() => {
    mkdirSync(path.join(repo, 'web'), { recursive: true });
    writeFileSync(
      path.join(repo, 'web/package-lock.json'),
      JSON.stringify({ name: 'web', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'web', version: '1.0.0' }, 'node_modules/express': { version: '4.18.2' } } }, null, 2) + '\n',
    );
    // The same database a day later, with one more advisory for express that sorts before the first.
    mkdirSync(newerDb, { recursive: true });
    for (const [name, record] of Object.entries(ADVISORIES)) writeFileSync(path.join(newerDb, name), JSON.stringify(record));
    writeFileSync(
      path.join(newerDb, 'GHSA-test-expr-0000.json'),
      JSON.stringify({ id: 'GHSA-test-expr-0000', modified: '2026-12-01T00:00:00Z', aliases: ['CVE-2099-0001'], summary: 'another made-up flaw in express', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }], affected: [{ package: { ecosystem: 'npm', name: 'express' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.20.0' }] }] }] }),
    );
  });

  test('a baselined vulnerability stays accepted when a database update adds another one before it', () => {
    const baseline = path.join(work, 'scan-baseline.json');
    assert.equal(kshield(['scan', repo, '--db', db, '--max-db-age', '100000d', '--write-baseline', baseline]).code, 0);
    const r = kshield(['scan', repo, '--db', newerDb, '--max-db-age', '100000d', '--baseline', baseline, '-o', 'json', '--fail-on', 'none']);
    const findings = (JSON.parse(r.stdout) as { findings: { rule: string; path: string; message: string; suppressed: boolean }[] }).findings.filter((f) => f.rule === 'vulnerable-package');
    const byId = (id: string) => findings.find((f) => f.message.includes(id));
    // The accepted advisory moved from /vulnerabilities/0 to /vulnerabilities/1; it is still the accepted one.
    assert.deepEqual([byId('CVE-2099-0102')?.path, byId('CVE-2099-0102')?.suppressed], ['/vulnerabilities/1', true], JSON.stringify(findings));
    assert.deepEqual([byId('CVE-2099-0001')?.path, byId('CVE-2099-0001')?.suppressed], ['/vulnerabilities/0', false]);
  });

  test('an exemption naming one vulnerability leaves the package\'s other vulnerabilities reported', () => {
    const config = path.join(work, 'scan-vuln-exemption.yaml');
    writeFileSync(config, 'exemptions:\n  - rules: [vulnerable-package]\n    vulnerabilities: [GHSA-test-expr-0001]\n    owner: web-team\n    reason: the affected router is not used\n');
    const r = kshield(['scan', repo, '--db', newerDb, '--max-db-age', '100000d', '--config', config, '-o', 'json', '--fail-on', 'none']);
    const findings = (JSON.parse(r.stdout) as { findings: { rule: string; message: string; suppressed: boolean }[] }).findings.filter((f) => f.rule === 'vulnerable-package');
    assert.deepEqual(findings.map((f) => [f.message.slice(0, 32), f.suppressed]).sort(), [['express 4.18.2 has CVE-2099-0001', false], ['express 4.18.2 has CVE-2099-0102', true]]);
  });
});

describe('kshield deps: exemptions and baselines of vulnerabilities', () => {
  const tree = path.join(work, 'deps-governed');
  before(() => {
    mkdirSync(tree, { recursive: true });
    writeFileSync(path.join(tree, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'app', version: '1.0.0' }, 'node_modules/express': { version: '4.18.2' } } }, null, 2));
  });

  test('the exemption `kshield scan` honours for the lockfile is honoured by deps, and the run passes', () => {
    const config = path.join(work, 'deps-exemption.yaml');
    writeFileSync(config, `exemptions:\n  - rules: [vulnerable-package]\n    kinds: [Lockfile]\n    names: ["${tree}/package-lock.json"]\n    vulnerabilities: [CVE-2099-0102]\n    owner: app-team\n    reason: the router is not exposed\n`);
    const failing = kshield(['deps', tree, '--db', db, '--max-db-age', '100000d', '--fail-on', 'low']);
    assert.equal(failing.code, 1, failing.stdout + failing.stderr);
    const r = kshield(['deps', tree, '--db', db, '--max-db-age', '100000d', '--fail-on', 'low', '--config', config]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Suppressed by exemptions or the baseline \(1\):\n  CVE-2099-0102 express 4\.18\.2: exemption \(owner app-team\): the router is not exposed/);
    const scan = kshield(['scan', tree, '--db', db, '--max-db-age', '100000d', '--fail-on', 'low', '--config', config]);
    assert.equal(scan.code, 0, scan.stdout + scan.stderr);
  });

  test('--write-baseline then --baseline accepts the vulnerabilities found', () => {
    const baseline = path.join(work, 'deps-baseline.json');
    const w = kshield(['deps', tree, '--db', db, '--max-db-age', '100000d', '--write-baseline', baseline]);
    assert.equal(w.code, 0, w.stderr);
    const r = kshield(['deps', tree, '--db', db, '--max-db-age', '100000d', '--fail-on', 'low', '--baseline', baseline]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /in the baseline/);
  });
});
