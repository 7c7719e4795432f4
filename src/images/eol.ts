/**
 * When distribution releases stop receiving security updates, for the base-image end-of-life check.
 * The date is the last day of free security support a container can still get from the
 * distribution's own archive:
 * - Debian: the end of Debian LTS (https://wiki.debian.org/LTS);
 * - Ubuntu: the end of standard support (ESM needs a subscription; https://ubuntu.com/about/release-cycle);
 * - Alpine: the end of the main repository's support (https://alpinelinux.org/releases/).
 * A release not listed here is not judged (unknown is not old).
 */
import type { OperatingSystem } from '../packages/model.js';

const DEBIAN: Record<string, string> = {
  '7': '2018-05-31',
  '8': '2020-06-30',
  '9': '2022-06-30',
  '10': '2024-06-30',
  '11': '2026-08-31',
  '12': '2028-06-30',
};

const UBUNTU: Record<string, string> = {
  '14.04': '2019-04-30',
  '16.04': '2021-04-30',
  '18.04': '2023-05-31',
  '20.04': '2025-05-31',
  '22.04': '2027-06-01',
  '24.04': '2029-05-31',
  '22.10': '2023-07-20',
  '23.04': '2024-01-25',
  '23.10': '2024-07-11',
  '24.10': '2025-07-10',
};

const ALPINE: Record<string, string> = {
  '3.10': '2021-05-01',
  '3.11': '2021-11-01',
  '3.12': '2022-05-01',
  '3.13': '2022-11-01',
  '3.14': '2023-05-01',
  '3.15': '2023-11-01',
  '3.16': '2024-05-23',
  '3.17': '2024-11-22',
  '3.18': '2025-05-09',
  '3.19': '2025-11-01',
  '3.20': '2026-04-01',
  '3.21': '2026-11-01',
  '3.22': '2027-05-01',
  '3.23': '2027-11-01',
};

export interface EndOfLife {
  /** "Debian 10", "Alpine 3.16". */
  release: string;
  /** YYYY-MM-DD: the last day of support. */
  date: string;
}

/** The release's end of security support where known (whether or not it has passed). */
export function endOfLife(os: OperatingSystem | undefined): EndOfLife | undefined {
  if (!os?.versionId) return undefined;
  switch (os.id) {
    case 'debian': {
      const major = os.versionId.split('.')[0];
      return DEBIAN[major] ? { release: `Debian ${major}`, date: DEBIAN[major] } : undefined;
    }
    case 'ubuntu':
      return UBUNTU[os.versionId] ? { release: `Ubuntu ${os.versionId}`, date: UBUNTU[os.versionId] } : undefined;
    case 'alpine': {
      const branch = os.versionId.split('.').slice(0, 2).join('.');
      return ALPINE[branch] ? { release: `Alpine ${branch}`, date: ALPINE[branch] } : undefined;
    }
    default:
      return undefined;
  }
}

/** Whether support ended before `now` (the whole last day still counts as supported). */
export function isPastEndOfLife(eol: EndOfLife, now: Date): boolean {
  return now.getTime() >= Date.parse(`${eol.date}T00:00:00Z`) + 24 * 3600_000;
}
