/**
 * The SBOM writers (src/report/sbom/): CycloneDX 1.6 JSON validated against the published schema,
 * SPDX 2.3 JSON against the specification's shape and rules (test/support/sbom-schemas.ts), for a
 * real source tree (kshield's own lockfile) and for an image-shaped inventory (distribution
 * packages with distro purls and source packages, layers, free-text licences); deterministic
 * output; and `kshield deps --sbom` end to end.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { kshield, root } from './support/cli.js';
import { cycloneDx16Validator, spdx23Validator, spdxSemantics } from './support/sbom-schemas.js';
import { writeSbom, type SbomSubject } from '../src/report/sbom/index.js';
import { inventorySourceTree } from '../src/sources/source-tree.js';
import { distroPackagePurl, npmPurl, golangPurl, sourcePackagePurl } from '../src/packages/purl.js';
import type { Inventory, Package } from '../src/packages/model.js';

const cdx = cycloneDx16Validator();
const spdx = spdx23Validator();
const TIME = '2026-01-02T03:04:05Z';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function assertValidCycloneDx(text: string): Json {
  const doc = JSON.parse(text) as Json;
  assert.ok(cdx.validate(doc), `CycloneDX 1.6 schema: ${cdx.errors()}`);
  return doc;
}

function assertValidSpdx(text: string): Json {
  const doc = JSON.parse(text) as Json;
  assert.ok(spdx.validate(doc), `SPDX 2.3: ${spdx.errors()}`);
  assert.deepEqual(spdxSemantics(doc as Parameters<typeof spdxSemantics>[0]), []);
  return doc;
}

const purlOf = (doc: Json, id: string): string | undefined => (doc.packages as Json[]).find((p) => p.SPDXID === id)?.externalRefs?.[0]?.referenceLocator;

describe('the validators catch what they should', () => {
  test('CycloneDX: a component of an unknown type, a bad serial number', () => {
    assert.equal(cdx.validate({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'bogus', name: 'x' }] }), false);
    assert.equal(cdx.validate({ bomFormat: 'CycloneDX', specVersion: '1.6', serialNumber: 'not-a-urn' }), false);
    assert.equal(cdx.validate({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'x' }] }), true);
    // The 1.6 schema closes its objects: a field it does not define is an error, not ignored.
    assert.equal(cdx.validate({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'x', bogus: 1 }] }), false);
  });
  test('SPDX: a missing field, a bad identifier, an undefined relationship target, a licence that is no expression', () => {
    const base = { spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name: 'x', documentNamespace: 'urn:uuid:1', creationInfo: { created: TIME, creators: ['Tool: x'] } };
    assert.equal(spdx.validate(base), true);
    assert.equal(spdx.validate({ ...base, creationInfo: { creators: ['Tool: x'] } }), false);
    assert.equal(spdx.validate({ ...base, packages: [{ name: 'a', SPDXID: 'SPDXRef-a_b', downloadLocation: 'NOASSERTION' }] }), false);
    assert.equal(spdx.validate({ ...base, relationships: [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'USES', relatedSpdxElement: 'SPDXRef-a' }] }), false);
    assert.deepEqual(spdxSemantics({ ...base, relationships: [{ spdxElementId: 'SPDXRef-DOCUMENT', relatedSpdxElement: 'SPDXRef-gone' }] }), ['relationship names SPDXRef-gone, which is not defined']);
    assert.deepEqual(spdxSemantics({ ...base, packages: [{ SPDXID: 'SPDXRef-a', licenseDeclared: 'BSD-like' }] }), ['SPDXRef-a licenseDeclared "BSD-like" is not an SPDX licence expression']);
  });
  test('SPDX: enumeration values as the published 2.3 JSON schema spells them, and no top-level fields it lacks', () => {
    const base = { spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name: 'x', documentNamespace: 'urn:uuid:1', creationInfo: { created: TIME, creators: ['Tool: x'] } };
    const withPackage = (extra: Json): Json => ({ ...base, packages: [{ name: 'a', SPDXID: 'SPDXRef-a', downloadLocation: 'NOASSERTION', ...extra }] });
    assert.equal(spdx.validate(withPackage({ primaryPackagePurpose: 'OPERATING_SYSTEM' })), true);
    // The tag-value spelling of clause 7.24, which the JSON schema's enumeration does not have.
    assert.equal(spdx.validate(withPackage({ primaryPackagePurpose: 'OPERATING-SYSTEM' })), false);
    const ref = (referenceCategory: string): Json => withPackage({ externalRefs: [{ referenceCategory, referenceType: 'purl', referenceLocator: 'pkg:npm/a@1.0.0' }] });
    assert.equal(spdx.validate(ref('PACKAGE-MANAGER')), true);
    assert.equal(spdx.validate(ref('PACKAGE_MANAGER')), false);
    assert.equal(spdx.validate(ref('PERSISTENT_ID')), false);
    assert.equal(spdx.validate({ ...base, $schema: 'https://example.invalid/spdx.json' }), false);
  });
});

describe("a source tree: kshield's own package-lock.json", async () => {
  const tree = await inventorySourceTree(path.join(root, 'package-lock.json'));
  const subject: SbomSubject = { kind: 'source', name: 'kshield', version: '0.1.0' };
  const packages = tree.inventory.packages;
  const direct = packages.filter((p) => p.direct).map((p) => p.purl).sort();

  test('CycloneDX 1.6: valid; one component per package with its purl; the graph from the lockfile', () => {
    const doc = assertValidCycloneDx(writeSbom(tree.inventory, 'cyclonedx', subject, { timestamp: TIME }));
    assert.equal(doc.specVersion, '1.6');
    assert.equal(doc.metadata.timestamp, TIME);
    assert.equal(doc.metadata.component.name, 'kshield');
    assert.deepEqual(doc.metadata.lifecycles, [{ phase: 'pre-build' }]);
    assert.equal(doc.components.length, packages.length);
    assert.deepEqual(doc.components.map((c: Json) => c.purl).sort(), packages.map((p) => p.purl).sort());
    for (const c of doc.components as Json[]) assert.equal(c['bom-ref'], c.purl);
    const rootDeps = (doc.dependencies as Json[]).find((d) => d.ref === doc.metadata.component['bom-ref']);
    assert.deepEqual(rootDeps?.dependsOn, direct);
    // Each package's edges are the lockfile's.
    for (const p of packages) {
      const entry = (doc.dependencies as Json[]).find((d) => d.ref === p.purl);
      assert.deepEqual(entry?.dependsOn ?? [], [...(p.dependsOn ?? [])].sort(), p.purl);
    }
    const ts = (doc.components as Json[]).find((c) => c.name === 'typescript');
    assert.equal(ts?.scope, 'excluded', 'a development-only package');
    assert.deepEqual(ts?.licenses, [{ expression: 'Apache-2.0' }]);
    assert.equal(ts?.evidence.occurrences[0].location, 'package-lock.json');
  });

  test('SPDX 2.3: valid; DESCRIBES the subject, DEPENDS_ON the direct packages, DEV_DEPENDENCY_OF for development ones', () => {
    const doc = assertValidSpdx(writeSbom(tree.inventory, 'spdx', subject, { timestamp: TIME }));
    assert.equal(doc.packages.length, packages.length + 1);
    const rels = doc.relationships as Json[];
    assert.deepEqual(rels.filter((r) => r.relationshipType === 'DESCRIBES').map((r) => [r.spdxElementId, r.relatedSpdxElement]), [['SPDXRef-DOCUMENT', 'SPDXRef-Subject']]);
    const runtimeDirect = packages.filter((p) => p.direct && !p.dev).map((p) => p.purl).sort();
    const devDirect = packages.filter((p) => p.direct && p.dev).map((p) => p.purl).sort();
    assert.deepEqual(rels.filter((r) => r.spdxElementId === 'SPDXRef-Subject' && r.relationshipType === 'DEPENDS_ON').map((r) => purlOf(doc, r.relatedSpdxElement)).sort(), runtimeDirect);
    assert.deepEqual(rels.filter((r) => r.relationshipType === 'DEV_DEPENDENCY_OF').map((r) => purlOf(doc, r.spdxElementId)).sort(), devDirect);
    const edges = rels.filter((r) => r.relationshipType === 'DEPENDS_ON' && r.spdxElementId !== 'SPDXRef-Subject').length;
    assert.equal(edges, packages.reduce((n, p) => n + (p.dependsOn?.length ?? 0), 0));
  });
});

/** What an image inventory looks like: Debian packages with source packages, node_modules, a Go binary. */
function imageInventory(): Inventory {
  const os = { osId: 'debian', osVersion: '12' };
  const layer0 = { index: 0, digest: 'sha256:' + 'a'.repeat(64), createdBy: 'RUN curl -u admin:hunter2-s3cr3t https://example.org/x' };
  const layer2 = { index: 2, digest: 'sha256:' + 'b'.repeat(64) };
  const deb = (name: string, version: string, arch: string, source: { name: string; version: string } | undefined, licenses: string[]): Package => ({
    ecosystem: 'Debian',
    osvEcosystem: 'Debian:12',
    name,
    version,
    source,
    purl: distroPackagePurl('Debian', name, version, { ...os, arch })!,
    locations: [{ path: '/var/lib/dpkg/status', layer: layer0 }],
    licenses,
    foundBy: 'dpkg',
  });
  const express = npmPurl('express', '4.18.2');
  return {
    os: { id: 'debian', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    packages: [
      deb('libc6', '2.36-9+deb12u7', 'amd64', { name: 'glibc', version: '2.36-9+deb12u7' }, ['LGPL-2.1-or-later', 'GPL-2.0-or-later']),
      deb('libssl3', '3.0.13-1~deb12u1', 'amd64', { name: 'openssl', version: '3.0.13-1~deb12u1' }, ['Apache-2.0']),
      deb('openssl', '3.0.13-1~deb12u1', 'amd64', { name: 'openssl', version: '3.0.13-1~deb12u1' }, ['Apache-2.0']),
      // A binNMU: the binary's version differs from its source's.
      deb('libfoo1', '1.0-1+b1', 'arm64', { name: 'foo', version: '1.0-1' }, ['BSD-like', 'public-domain']),
      deb('tzdata', '2024a-0+deb12u1', 'all', undefined, []),
      { ecosystem: 'npm', name: 'express', version: '4.18.2', purl: express, locations: [{ path: '/app/node_modules/express/package.json', layer: layer2 }], licenses: ['MIT'], foundBy: 'npm' },
      // The same package in a second place: one component, two occurrences.
      { ecosystem: 'npm', name: 'express', version: '4.18.2', purl: express, locations: [{ path: '/opt/other/node_modules/express/package.json', layer: layer2 }], foundBy: 'npm' },
      { ecosystem: 'npm', name: '@scope/lib', version: '1.0.0', purl: npmPurl('@scope/lib', '1.0.0'), locations: [{ path: '/app/node_modules/@scope/lib/package.json', layer: layer2 }], licenses: ['MIT OR Apache-2.0'], foundBy: 'npm' },
      { ecosystem: 'Go', name: 'github.com/sirupsen/logrus', version: 'v1.9.3', purl: golangPurl('github.com/sirupsen/logrus', 'v1.9.3'), locations: [{ path: '/usr/local/bin/app', layer: layer2 }], foundBy: 'go-binary', goVersion: 'go1.22.3' },
    ],
    notes: [],
  };
}

describe('an image: distribution packages with distro purls and source packages', () => {
  const subject: SbomSubject = { kind: 'image', name: 'registry.example/app', version: 'sha256:' + 'c'.repeat(64), purl: 'pkg:oci/app@sha256%3A' + 'c'.repeat(64) + '?repository_url=registry.example/app' };
  const inventory = imageInventory();

  test('distro purls carry the distro qualifier; source purls the source architecture', () => {
    assert.equal(inventory.packages[0].purl, 'pkg:deb/debian/libc6@2.36-9+deb12u7?arch=amd64&distro=debian-12');
    assert.equal(sourcePackagePurl(inventory.packages[0].purl, inventory.packages[0].source!), 'pkg:deb/debian/glibc@2.36-9+deb12u7?arch=source&distro=debian-12');
    assert.equal(distroPackagePurl('Alpine', 'musl', '1.2.4-r2', { osId: 'alpine', osVersion: '3.19.1', arch: 'x86_64' }), 'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1');
    assert.equal(sourcePackagePurl('pkg:rpm/redhat/openssl-libs@3.0.7-25.el9?arch=x86_64&distro=rhel-9.3', { name: 'openssl', version: '3.0.7-25.el9' }), 'pkg:rpm/redhat/openssl@3.0.7-25.el9?arch=src&distro=rhel-9.3');
    assert.equal(sourcePackagePurl(npmPurl('a', '1'), { name: 'b', version: '1' }), undefined);
  });

  test('CycloneDX: valid; the OS component, source packages as pedigree ancestors, layers in the evidence', () => {
    const text = writeSbom(inventory, 'cyclonedx', subject, { timestamp: TIME });
    const doc = assertValidCycloneDx(text);
    assert.equal(doc.metadata.component.type, 'container');
    assert.equal(doc.metadata.component.purl, subject.purl);
    assert.deepEqual(doc.metadata.lifecycles, [{ phase: 'post-build' }]);
    const comps = doc.components as Json[];
    assert.deepEqual(comps.find((c) => c.type === 'operating-system'), { type: 'operating-system', 'bom-ref': 'kshield:operating-system', name: 'debian', version: '12', description: 'Debian GNU/Linux 12 (bookworm)' });
    const libfoo = comps.find((c) => c.name === 'libfoo1')!;
    assert.deepEqual(libfoo.pedigree.ancestors, [{ type: 'library', name: 'foo', version: '1.0-1', purl: 'pkg:deb/debian/foo@1.0-1?arch=source&distro=debian-12' }]);
    assert.deepEqual(libfoo.licenses, [{ license: { name: 'BSD-like' } }, { license: { name: 'public-domain' } }]);
    assert.deepEqual(comps.find((c) => c.name === 'libc6')!.licenses, [{ expression: 'GPL-2.0-or-later AND LGPL-2.1-or-later' }]);
    assert.equal(comps.find((c) => c.name === 'tzdata')!.pedigree, undefined);
    const express = comps.filter((c) => c.name === 'express');
    assert.equal(express.length, 1);
    assert.deepEqual(
      express[0].evidence.occurrences.map((o: Json) => o.location),
      ['/app/node_modules/express/package.json', '/opt/other/node_modules/express/package.json'],
    );
    assert.equal(express[0].evidence.occurrences[0].additionalContext, `layer 2 sha256:${'b'.repeat(64)}`);
    assert.equal(comps.find((c) => c.name === 'lib')!.group, '@scope');
    assert.ok(comps.find((c) => c.name === 'github.com/sirupsen/logrus')!.properties.some((p: Json) => p.name === 'kshield:package:go-version' && p.value === 'go1.22.3'));
    // Nothing is known to be transitive in an image: the subject depends on all of it, and the OS.
    const rootDeps = (doc.dependencies as Json[]).find((d) => d.ref === 'kshield:subject')!.dependsOn;
    assert.equal(rootDeps.length, comps.length);
    assert.doesNotMatch(text, /hunter2|s3cr3t/, "a layer's created_by line is never copied");
  });

  test('SPDX: valid; CONTAINS every package and the OS, GENERATED_FROM source packages, LicenseRefs for free-text licences', () => {
    const text = writeSbom(inventory, 'spdx', subject, { timestamp: TIME });
    const doc = assertValidSpdx(text);
    const pkgs = doc.packages as Json[];
    const rels = doc.relationships as Json[];
    assert.equal(pkgs.find((p) => p.SPDXID === 'SPDXRef-Subject')!.primaryPackagePurpose, 'CONTAINER');
    const contained = rels.filter((r) => r.spdxElementId === 'SPDXRef-Subject' && r.relationshipType === 'CONTAINS').map((r) => r.relatedSpdxElement);
    // 8 distinct purls (express twice) and the OS.
    assert.equal(contained.length, 9);
    assert.ok(contained.includes('SPDXRef-OperatingSystem'));
    const sources = pkgs.filter((p) => p.primaryPackagePurpose === 'SOURCE');
    assert.deepEqual(sources.map((p) => p.externalRefs[0].referenceLocator).sort(), [
      'pkg:deb/debian/foo@1.0-1?arch=source&distro=debian-12',
      'pkg:deb/debian/glibc@2.36-9+deb12u7?arch=source&distro=debian-12',
      'pkg:deb/debian/openssl@3.0.13-1~deb12u1?arch=source&distro=debian-12',
    ]);
    const generated = rels.filter((r) => r.relationshipType === 'GENERATED_FROM').map((r) => `${pkgs.find((p) => p.SPDXID === r.spdxElementId)!.name} <- ${pkgs.find((p) => p.SPDXID === r.relatedSpdxElement)!.name}`);
    assert.deepEqual(generated.sort(), ['libc6 <- glibc', 'libfoo1 <- foo', 'libssl3 <- openssl', 'openssl <- openssl']);
    const libfoo = pkgs.find((p) => p.name === 'libfoo1')!;
    assert.match(libfoo.licenseDeclared, /^LicenseRef-BSD-like-[0-9a-f]{8} AND LicenseRef-public-domain-[0-9a-f]{8}$/);
    assert.deepEqual((doc.hasExtractedLicensingInfos as Json[]).map((e) => e.extractedText).sort(), ['BSD-like', 'public-domain']);
    assert.equal(pkgs.find((p) => p.name === '@scope/lib')!.licenseDeclared, 'MIT OR Apache-2.0');
    assert.equal(pkgs.find((p) => p.name === 'tzdata')!.licenseDeclared, 'NOASSERTION');
    assert.match(pkgs.find((p) => p.name === 'express')!.comment, /found by npm in \/app\/node_modules\/express\/package\.json \(layer 2 sha256:b+\), \/opt\/other/);
    assert.doesNotMatch(text, /hunter2|s3cr3t/);
  });

  test('a root file system: SPDX purpose OPERATING_SYSTEM (the JSON spelling) for it and its OS, CycloneDX platform', () => {
    const fsSubject: SbomSubject = { kind: 'filesystem', name: '/' };
    const pkgs = assertValidSpdx(writeSbom(inventory, 'spdx', fsSubject, { timestamp: TIME })).packages as Json[];
    assert.deepEqual(
      pkgs.filter((p) => p.SPDXID === 'SPDXRef-Subject' || p.SPDXID === 'SPDXRef-OperatingSystem').map((p) => [p.SPDXID, p.primaryPackagePurpose]),
      [['SPDXRef-Subject', 'OPERATING_SYSTEM'], ['SPDXRef-OperatingSystem', 'OPERATING_SYSTEM']],
    );
    assert.equal(assertValidCycloneDx(writeSbom(inventory, 'cyclonedx', fsSubject, { timestamp: TIME })).metadata.component.type, 'platform');
  });
  test('an empty inventory is still a valid document', () => {
    const empty: Inventory = { packages: [], notes: [] };
    assertValidCycloneDx(writeSbom(empty, 'cyclonedx', { kind: 'source', name: 'empty' }, { timestamp: TIME }));
    assertValidSpdx(writeSbom(empty, 'spdx', { kind: 'source', name: 'empty' }, { timestamp: TIME }));
  });
});

describe('deterministic output', () => {
  const subject: SbomSubject = { kind: 'image', name: 'app' };
  for (const format of ['cyclonedx', 'spdx'] as const) {
    test(`${format}: the same inventory in another order gives the same bytes; another time, another id`, () => {
      const a = imageInventory();
      const b = imageInventory();
      b.packages.reverse();
      const first = writeSbom(a, format, subject, { timestamp: TIME });
      assert.equal(writeSbom(b, format, subject, { timestamp: TIME }), first);
      const later = JSON.parse(writeSbom(a, format, subject, { timestamp: '2026-01-02T03:04:06Z' })) as Json;
      const id = (doc: Json): string => (format === 'spdx' ? doc.documentNamespace : doc.serialNumber);
      assert.notEqual(id(later), id(JSON.parse(first) as Json));
    });
  }
  test('without a timestamp: now, to the second', () => {
    const before = Date.now() - 1000;
    const doc = JSON.parse(writeSbom(imageInventory(), 'cyclonedx', subject)) as Json;
    const at = Date.parse(doc.metadata.timestamp);
    assert.ok(at >= before && at <= Date.now(), doc.metadata.timestamp);
    assert.match(doc.metadata.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('kshield deps --sbom', () => {
  test('--sbom cyclonedx -o FILE writes a valid SBOM of the tree', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-sbom-'));
    try {
      const file = path.join(dir, 'out', 'sbom.cdx.json');
      const r = kshield(['deps', 'examples/deps/shop', '--sbom', 'cyclonedx', '-o', file, '--sbom-timestamp', TIME]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, `wrote cyclonedx SBOM to ${file}\n`);
      const doc = assertValidCycloneDx(readFileSync(file, 'utf8'));
      assert.equal(doc.metadata.timestamp, TIME);
      assert.deepEqual(doc.components.map((c: Json) => c.purl), [
        'pkg:golang/github.com/go-chi/chi/v5@v5.0.12',
        'pkg:golang/golang.org/x/crypto@v0.21.0',
        'pkg:maven/junit/junit@4.13.2',
        'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1',
        'pkg:npm/body-parser@1.20.1',
        'pkg:npm/express@4.18.2',
        'pkg:npm/qs@6.11.0',
        'pkg:npm/typescript@5.4.5',
        'pkg:pypi/celery@5.3.6',
        'pkg:pypi/kombu@5.3.5',
      ]);
      assert.deepEqual((doc.dependencies as Json[]).find((d) => d.ref === 'pkg:npm/express@4.18.2')?.dependsOn, ['pkg:npm/body-parser@1.20.1', 'pkg:npm/qs@6.11.0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('--sbom spdx to standard output, the same bytes twice with a fixed timestamp', () => {
    const r = kshield(['deps', 'package-lock.json', '--sbom', 'spdx', '--sbom-timestamp', TIME]);
    assert.equal(r.code, 0, r.stderr);
    assertValidSpdx(r.stdout);
    assert.equal(kshield(['deps', 'package-lock.json', '--sbom', 'spdx', '--sbom-timestamp', TIME]).stdout, r.stdout);
  });
  test('-o spdx=FILE beside a table on standard output', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kshield-sbom-'));
    try {
      const r = kshield(['deps', 'package-lock.json', '-o', 'table', '-o', `spdx=${path.join(dir, 's.json')}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Lockfiles \(1\)/);
      assertValidSpdx(readFileSync(path.join(dir, 's.json'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const usage: [string, string[], RegExp][] = [
    ['an unknown SBOM format', ['--sbom', 'swid'], /--sbom: unknown format "swid"/],
    ['a report format as --sbom', ['--sbom', 'json'], /--sbom: "json" is not an SBOM format/],
    ['two files for one SBOM', ['--sbom', 'spdx', '-o', 'a.json', '-o', 'b.json'], /are not formats, and --sbom writes one file/],
    ['a bad timestamp', ['--sbom', 'spdx', '--sbom-timestamp', 'yesterday'], /--sbom-timestamp: "yesterday" is not a date/],
  ];
  for (const [name, args, message] of usage)
    test(`usage error: ${name}`, () => {
      const r = kshield(['deps', 'package-lock.json', ...args]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
});
