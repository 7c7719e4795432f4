import { fieldAt, asString } from '../../core/values.js';
import { defineRule } from '../define.js';
import { CLUSTER_INFO_EXAMPLE, CLUSTER_INFO_KIND, SKEW_DOC, isClusterInfo, parseMinor } from './shared.js';

/**
 * When each Kubernetes minor version stopped receiving patches (kubernetes.io release history,
 * data/releases/eol.yaml of kubernetes/website, and the per-release pages for versions still in
 * support when the table was written). Versions newer than the table are not judged.
 */
const END_OF_SUPPORT_TABLE_DATE = '2026-11-23';

const END_OF_SUPPORT: Readonly<Record<string, string>> = Object.freeze({
  '1.2': '2016-10-23',
  '1.3': '2016-11-01',
  '1.4': '2017-04-21',
  '1.5': '2017-10-01',
  '1.6': '2017-11-23',
  '1.7': '2018-04-04',
  '1.8': '2018-07-12',
  '1.9': '2018-09-29',
  '1.10': '2019-02-13',
  '1.11': '2019-05-01',
  '1.12': '2019-07-08',
  '1.13': '2019-10-15',
  '1.14': '2019-12-11',
  '1.15': '2020-05-06',
  '1.16': '2020-09-02',
  '1.17': '2021-01-13',
  '1.18': '2021-06-18',
  '1.19': '2021-10-28',
  '1.20': '2022-02-28',
  '1.21': '2022-06-28',
  '1.22': '2022-12-08',
  '1.23': '2023-02-28',
  '1.24': '2023-07-28',
  '1.25': '2023-10-28',
  '1.26': '2024-02-28',
  '1.27': '2024-07-16',
  '1.28': '2024-10-22',
  '1.29': '2025-02-28',
  '1.30': '2025-07-15',
  '1.31': '2025-11-11',
  '1.32': '2026-02-28',
  '1.33': '2026-06-28',
  '1.34': '2026-10-27',
  '1.35': '2027-02-28',
  '1.36': '2027-06-28',
});

const RELEASES_DOC = 'https://kubernetes.io/releases/';

// ---------------------------------------------------------------------------------------------
// Server version past its end of support

export const clusterVersionEndOfSupport = defineRule({
  id: 'cluster-version-end-of-support',
  title: 'Kubernetes version past its end of support',
  severity: 'high',
  category: 'api',
  tags: ['cluster', 'cis'],
  description:
    'The API server runs a Kubernetes minor version that the Kubernetes project no longer patches: security fixes ' +
    `published since its end-of-support date do not reach it. kshield ships the table of end dates (written ${END_OF_SUPPORT_TABLE_DATE}) ` +
    'and compares it with the date of the scan. Only `kshield cluster` knows the server version; manifests are not judged.',
  remediation: 'Upgrade the control plane (then the nodes) to a supported minor version; see the Kubernetes release history.',
  references: [RELEASES_DOC, SKEW_DOC],
  appliesTo: [CLUSTER_INFO_KIND],
  check(resource) {
    if (!isClusterInfo(resource)) return [];
    const version = parseMinor(fieldAt(resource.object, 'serverVersion', 'gitVersion'));
    const observedAt = asString(resource.object.observedAt);
    if (!version || observedAt === undefined || !/^\d{4}-\d{2}-\d{2}/.test(observedAt)) return [];
    const end = END_OF_SUPPORT[`${version.major}.${version.minor}`];
    if (end === undefined || observedAt.slice(0, 10) <= end) return [];
    return [
      {
        path: '/serverVersion/gitVersion',
        message:
          `the API server runs Kubernetes ${version.text}: ${version.major}.${version.minor} reached its end of support on ${end} ` +
          `and gets no security fixes (end-of-support table of ${END_OF_SUPPORT_TABLE_DATE}, scan of ${observedAt.slice(0, 10)})`,
      },
    ];
  },
  examples: {
    valid: [CLUSTER_INFO_EXAMPLE('v1.35.3'), CLUSTER_INFO_EXAMPLE('v1.34.1', '2026-10-01'), CLUSTER_INFO_EXAMPLE('v1.99.0')],
    invalid: [
      { manifest: CLUSTER_INFO_EXAMPLE('v1.20.2'), expect: ['/serverVersion/gitVersion'] },
      { manifest: CLUSTER_INFO_EXAMPLE('v1.34.1'), expect: ['/serverVersion/gitVersion'] },
    ],
  },
});
