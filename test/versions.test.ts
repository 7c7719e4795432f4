/**
 * Version ordering per ecosystem (src/packages/versions/): table tests of each scheme's tricky
 * cases, taken from the schemes' own definitions: Debian Policy §5.6.12 and dpkg's verrevcmp,
 * apk-tools' version.c and its test/version.data, rpm's rpmvercmp (tests/rpmvercmp.at, with `~`
 * and `^`), semver.org §11, PEP 440, Maven's ComparableVersion and its test lists. Each case is
 * checked both ways round, so an asymmetric comparator fails.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareVersions, InvalidVersionError, UnknownEcosystemError, isValidVersion } from '../src/packages/versions/index.js';
import { isValidApkVersion } from '../src/packages/versions/apk.js';

type Case = [string, '<' | '=' | '>', string];

function check(ecosystem: string, cases: Case[]): void {
  for (const [a, op, b] of cases) {
    const want = op === '<' ? -1 : op === '>' ? 1 : 0;
    assert.equal(compareVersions(ecosystem, a, b), want, `${ecosystem}: ${a} ${op} ${b}`);
    assert.equal(compareVersions(ecosystem, b, a), -want || 0, `${ecosystem}: ${b} against ${a} (reversed)`);
  }
}

/** Every pair of a list sorted ascending must compare in that order. */
function checkAscending(ecosystem: string, sorted: string[]): void {
  for (let i = 0; i < sorted.length; i++)
    for (let j = i + 1; j < sorted.length; j++) {
      assert.equal(compareVersions(ecosystem, sorted[i], sorted[j]), -1, `${ecosystem}: ${sorted[i]} < ${sorted[j]}`);
      assert.equal(compareVersions(ecosystem, sorted[j], sorted[i]), 1, `${ecosystem}: ${sorted[j]} > ${sorted[i]}`);
    }
}

describe('dpkg (Debian, Ubuntu)', () => {
  test('epoch, tilde, revision and the character order of Debian Policy 5.6.12', () => {
    check('Debian', [
      ['1.0', '=', '1.0'],
      ['1:0.1', '>', '2.0'], // the epoch decides first
      ['0:1.0', '=', '1.0'], // a missing epoch is 0
      ['1.0~rc1', '<', '1.0'], // ~ sorts before the end of the string
      ['1.0~rc1', '<', '1.0~rc2'],
      ['1.0~~', '<', '1.0~'],
      ['1.0~', '<', '1.0'],
      ['1.0', '<', '1.0a'], // letters after the end
      ['1.0a', '<', '1.0+'], // non-letters after letters
      ['1.0', '<', '1.0+b1'], // binNMU
      ['1.0', '=', '1.0-0'], // a missing revision is 0
      ['1.0-1', '<', '1.0-2'],
      ['1.0-9', '<', '1.0-10'], // numbers, not strings
      ['1.01', '=', '1.1'], // leading zeros do not count
      ['1.0', '<', '1.0.0'], // "." after the end
      ['1.0A', '<', '1.0a'], // ASCII order among letters
      ['3.0.11-1~deb12u2', '<', '3.0.11-1'], // a stable update of the same revision
      ['2.36-9+deb12u4', '>', '2.36-9'],
      ['1.2.3~rc1-1', '<', '1.2.3-1'],
      ['1.2-3-4', '>', '1.2-3-3'], // the revision is after the last hyphen
      ['1:1.2.13.dfsg-1', '>', '1.2.13.dfsg-3'],
      ['7.88.1-10+deb12u5', '<', '7.88.1-10+deb12u12'],
    ]);
    // The ordering example of Debian Policy 5.6.12: ~~, ~~a, ~, the empty part, a.
    checkAscending('Debian', ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0a']);
    check('Ubuntu:22.04:LTS', [['3.0.2-0ubuntu1.10', '<', '3.0.2-0ubuntu1.15']]);
  });
});

describe('apk (Alpine)', () => {
  test('suffixes, revisions and leading zeros as apk-tools orders them (cases from its test/version.data)', () => {
    check('Alpine', [
      ['2.34', '>', '0.1.0_alpha'],
      ['0.1.0_alpha', '=', '0.1.0_alpha'],
      ['0.1.0_alpha2', '>', '0.1.0_alpha'],
      ['1.1', '>', '1.1_alpha1'], // _alpha before the release
      ['1.3_alpha', '<', '1.3_alpha2'],
      ['0.7.0', '<', '0.8_beta1'],
      ['1.0.4-r3', '<', '1.0.4-r4'],
      ['1.2.2-r1', '>', '1.2.2'], // a revision after none
      ['2.3.0b-r1', '<', '2.3.0b-r2'],
      ['3.1_p16', '<', '3.1_p17'],
      ['1.8.5', '<', '1.8.5_p2'], // _p after the release
      ['1.02', '<', '1.03-r1'],
      ['1.2.07.8', '<', '1.2.12.04'], // a leading zero: compared as strings
      ['0.99.3.20040818', '<', '1.0'],
      ['2.1_pre20', '<', '2.1_pre26'],
      ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
      ['1.0_p10-r0', '>', '1.0_p9-r0'],
      ['1.3_pre1-r1', '<', '1.3.2'],
      ['2.0.0_rc3-r1', '<', '20040401'],
      ['0.9.8c-r1', '<', '0.9.8d'], // a letter after the digits
      ['1.7', '<', '1.7b'],
      ['4.5_p1', '<', '4.5_p1-r1'],
      ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
      ['3.0.8-r0', '<', '3.0.8-r3'],
      ['1.2.3_rc1', '<', '1.2.3_git20240101'], // pre-release suffixes before post-release ones
      ['1.0', '<', '1.0bc'], // a malformed tail still orders after the valid prefix
    ]);
    check('Alpine:v3.20', [['1.36.1-r29', '<', '1.36.1-r30']]);
    assert.equal(isValidApkVersion('1.2.3_rc1-r0'), true);
    assert.equal(isValidApkVersion('1.2.3-1'), false, 'a Debian-style revision is not an apk version');
    assert.equal(isValidApkVersion('1.0~8f2a1-r0'), true, 'a ~commit-hash suffix is');
  });
});

describe('rpm (Red Hat and the other RPM distributions)', () => {
  test('rpmvercmp with ~ and ^, epochs and releases (cases from rpm tests/rpmvercmp.at)', () => {
    check('Red Hat', [
      ['1.0', '=', '1.0'],
      ['1.0', '<', '2.0'],
      ['2.0.1', '>', '2.0'],
      ['2.0.1a', '>', '2.0.1'], // more left over wins
      ['5.5p1', '<', '5.5p2'],
      ['5.5p10', '>', '5.5p1'],
      ['10xyz', '<', '10.1xyz'],
      ['xyz10', '<', 'xyz10.1'],
      ['xyz.4', '<', '8'], // numeric segments are newer than alphabetic ones
      ['1b.fc17', '<', '1.fc17'],
      ['2_0', '=', '2.0'], // separators only separate
      ['a+', '=', 'a_'],
      ['1.0~rc1', '<', '1.0'], // ~ before the end
      ['1.0~rc1', '<', '1.0~rc2'],
      ['1.0~rc1~git123', '<', '1.0~rc1'],
      ['1.0^', '>', '1.0'], // ^ after the end
      ['1.0^git1', '>', '1.0'],
      ['1.0^git1', '<', '1.01'],
      ['1.0^20160101', '<', '1.0.1'],
      ['1.0^20160101^git1', '>', '1.0^20160101'],
      ['1.0~rc1^git1', '>', '1.0~rc1'],
      ['1.0^git1~pre', '<', '1.0^git1'],
      ['010', '=', '10'], // leading zeros
      ['1:1.0-1', '>', '2.0-1'], // epoch first
      ['0:2.0-1', '=', '2.0-1'],
      ['1.2.3-4.el9', '<', '1.2.3-10.el9'], // the release compares after the version
      ['3.0.7-27.el9', '<', '1:3.0.7-27.el9'],
      ['1.2.3', '<', '1.2.3-1.el9'], // a missing release sorts first
    ]);
    check('Rocky Linux', [['2.34-100.el9_4.2', '>', '2.34-100.el9']]);
    check('openSUSE', [['1.1.1w-150600.5.3.1', '<', '1.1.1w-150600.5.9.1']]);
  });
});

describe('semver (npm, crates.io) and Go', () => {
  test('semver 2.0.0 precedence: pre-releases, numeric identifiers, build metadata ignored', () => {
    check('npm', [
      ['1.0.0', '<', '2.0.0'],
      ['2.0.0', '<', '2.1.0'],
      ['2.1.0', '<', '2.1.1'],
      ['1.0.0-alpha', '<', '1.0.0'],
      ['1.0.0-alpha', '<', '1.0.0-alpha.1'], // more identifiers after fewer
      ['1.0.0-alpha.1', '<', '1.0.0-alpha.beta'], // numeric before alphanumeric
      ['1.0.0-alpha.beta', '<', '1.0.0-beta'],
      ['1.0.0-beta', '<', '1.0.0-beta.2'],
      ['1.0.0-beta.2', '<', '1.0.0-beta.11'], // numerically
      ['1.0.0-beta.11', '<', '1.0.0-rc.1'],
      ['1.0.0-rc.1', '<', '1.0.0'],
      ['1.0.0+build.1', '=', '1.0.0+build.2'], // build metadata does not count
      ['1.0.0-rc.1+build.1', '=', '1.0.0-rc.1'],
      ['1.10.0', '>', '1.9.0'],
      ['v1.2.3', '=', '1.2.3'],
      ['1.2', '=', '1.2.0'],
      ['0.0.0', '<', '0.0.1-0'],
      ['1.0.0-0', '<', '1.0.0-a'],
      ['1.0.0-x-y-z.1', '<', '1.0.0-x-y-z.2'],
      ['4.17.20', '<', '4.17.21'],
      ['10000000000000000000.0.0', '>', '9999999999999999999.0.0'], // beyond 2^53
    ]);
    checkAscending('crates.io', ['0.1.0', '0.1.1-alpha.1', '0.1.1', '0.2.0', '1.0.0-rc.1', '1.0.0']);
    assert.throws(() => compareVersions('npm', 'not-a-version', '1.0.0'), InvalidVersionError);
  });

  test('Go: v prefix, +incompatible, pseudo-versions and toolchain versions', () => {
    check('Go', [
      ['v1.2.3', '=', '1.2.3'],
      ['v2.0.0+incompatible', '=', '2.0.0'],
      ['v2.1.0+incompatible', '>', 'v2.0.9'],
      ['v0.0.0-20191109021931-daa7c04131f5', '<', 'v0.0.1'], // a pseudo-version is a pre-release
      ['v0.0.0-20191109021931-daa7c04131f5', '<', 'v0.0.0-20200101000000-abcdefabcdef'],
      ['v1.2.4-0.20191109021931-daa7c04131f5', '>', 'v1.2.3'],
      ['v1.2.4-0.20191109021931-daa7c04131f5', '<', 'v1.2.4'],
      ['v1', '=', 'v1.0.0'],
      ['go1.21.3', '=', '1.21.3'],
      ['go1.21rc2', '=', '1.21.0-rc.2'],
      ['go1.21rc2', '<', 'go1.21.0'],
      ['go1.20beta1', '<', 'go1.20rc1'],
      ['go1.22', '<', 'go1.22.1'],
    ]);
  });
});

describe('PEP 440 (PyPI)', () => {
  test('epochs, pre/post/dev releases, local versions and normalisation', () => {
    check('PyPI', [
      ['1.0', '=', '1.0.0'], // zero padding
      ['1!0.1', '>', '2.0'], // the epoch first
      ['1.0.dev1', '<', '1.0a1'], // dev before pre of the same release
      ['1.0a1', '<', '1.0a2'],
      ['1.0a2', '<', '1.0b1'],
      ['1.0b1', '<', '1.0rc1'],
      ['1.0rc1', '<', '1.0'],
      ['1.0', '<', '1.0.post1'],
      ['1.0.post1.dev1', '<', '1.0.post1'],
      ['1.0a1.dev1', '<', '1.0a1'],
      ['1.0+local', '>', '1.0'], // a local version after the public one
      ['1.0+abc.5', '<', '1.0+abc.10'], // numeric local segments numerically
      ['1.0-1', '=', '1.0.post1'], // implicit post-release
      ['1.0RC1', '=', '1.0rc1'], // case
      ['1.0c1', '=', '1.0rc1'], // alternative spellings
      ['1.0alpha1', '=', '1.0a1'],
      ['1.0.dev', '=', '1.0.dev0'],
      ['v1.0', '=', '1.0'],
      ['1.0.post1', '<', '1.1.dev1'],
      ['2.0.0', '>', '2.0.0rc2'],
      ['1.11', '>', '1.9'],
      ['0.0.1', '<', '0.0.1.post0'],
    ]);
    assert.throws(() => compareVersions('PyPI', '1.0-beta-what', '1.0'), InvalidVersionError);
  });
});

describe('Maven (ComparableVersion)', () => {
  test("qualifier and number orderings of Maven's ComparableVersion test lists", () => {
    checkAscending('Maven', ['1-alpha2snapshot', '1-alpha2', '1-alpha-123', '1-beta-2', '1-beta123', '1-m2', '1-m11', '1-rc', '1-cr2', '1-rc123', '1-SNAPSHOT', '1', '1-sp', '1-sp2', '1-sp123', '1-abc', '1-def', '1-pom-1', '1-1-snapshot', '1-1', '1-2', '1-123']);
    checkAscending('Maven', ['2.0', '2.0.a', '2-1', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1', '2.2', '2.123', '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m']);
  });

  test('equalities and the release qualifiers', () => {
    check('Maven', [
      ['1', '=', '1.0'],
      ['1', '=', '1.0.0'],
      ['1.0', '=', '1-0'],
      ['1-ga', '=', '1'],
      ['1-final', '=', '1'],
      ['1.0.RELEASE', '=', '1.0'],
      ['1x', '=', '1-x'],
      ['1cr', '=', '1rc'],
      ['1a1', '=', '1-alpha-1'],
      ['1b2', '=', '1-beta-2'],
      ['1m3', '=', '1-milestone-3'],
      ['1X', '=', '1x'],
      ['1.0-SNAPSHOT', '<', '1.0'],
      ['1.0-RC1', '<', '1.0'],
      ['2.17.0', '>', '2.15.0'],
      ['2.17.1', '>', '2.17.0'],
      ['5.3.18', '<', '5.3.20'],
      ['4.9.9.RELEASE', '<', '5.0.0.RELEASE'],
      ['1.0.0.Final', '=', '1.0.0'],
      ['2.12.7.1', '>', '2.12.7'],
      ['1.2.3-jre', '>', '1.2.3'], // an unknown qualifier sorts after the release
      ['32.1.2-jre', '<', '32.1.3-android'],
    ]);
  });
});

test('ecosystems without a scheme are refused by name; validity is per scheme', () => {
  assert.throws(() => compareVersions('Packagist', '1.0', '2.0'), (err) => err instanceof UnknownEcosystemError && /Packagist/.test(err.message));
  assert.equal(isValidVersion('npm', '1.2.3'), true);
  assert.equal(isValidVersion('npm', 'latest'), false);
  assert.equal(isValidVersion('Debian', '1:2.3-4'), true);
});
