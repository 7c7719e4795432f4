/**
 * OSV records the build-stage tests match against, written from the OSV schema (made-up flaws):
 * a Debian advisory keyed by the source package openssl, an npm one for express.
 */
export const DEBIAN_OPENSSL_ADVISORY = {
  id: 'DSA-0001-1',
  modified: '2026-11-30T00:00:00Z',
  aliases: ['CVE-2099-0101'],
  summary: 'made-up flaw in openssl',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
  affected: [{ package: { ecosystem: 'Debian:10', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1.1n-0+deb10u7' }] }] }],
};

export const NPM_EXPRESS_ADVISORY = {
  id: 'GHSA-test-expr-0001',
  modified: '2026-11-30T00:00:00Z',
  aliases: ['CVE-2099-0102'],
  summary: 'made-up flaw in express',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N' }],
  affected: [{ package: { ecosystem: 'npm', name: 'express' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.19.2' }] }] }],
};
