import type { Violation } from '../../core/types.js';
import { asArray, fieldAt } from '../../core/values.js';
import { rulePorts } from '../../analysis/netpol.js';
import { ipBlockContainsIp, parseIp } from '../../analysis/cidr.js';
import { defineRule } from '../define.js';
import { ALLOW_ALL_EXAMPLE, NETPOL_DOC, policyOf } from './shared.js';

const METADATA_DOC = 'https://kubernetes.io/docs/tasks/administer-cluster/securing-a-cluster/#restricting-cloud-metadata-api-access';

const CLOUD_METADATA_ADDRESS = '169.254.169.254';

const METADATA_IP = parseIp(CLOUD_METADATA_ADDRESS)!;

export const egressToCloudMetadataAllowed = defineRule({
  id: 'egress-to-cloud-metadata-allowed',
  title: 'Egress policy leaves the cloud metadata address open',
  severity: 'info',
  category: 'network',
  tags: ['network-policy', 'egress', 'cloud'],
  appliesTo: ['NetworkPolicy'],
  description:
    `The policy restricts egress, but one of its rules still allows ${CLOUD_METADATA_ADDRESS} on TCP port 80, the cloud metadata service ` +
    'that hands out node credentials on most clouds. A rule without `to` peers or with an ipBlock containing the address (not excepted) ' +
    'allows it; rules whose ports exclude TCP/80 do not.',
  remediation: `Add ${CLOUD_METADATA_ADDRESS}/32 (or 169.254.0.0/16) to the ipBlock's except list, or allow only the ranges the workload needs.`,
  references: [METADATA_DOC, NETPOL_DOC],
  check: (resource) => {
    const policy = policyOf(resource);
    if (!policy || !policy.egress) return [];
    const out: Violation[] = [];
    for (const rule of policy.egressRules) {
      if (!rulePorts(rule, undefined).has('TCP', 80)) continue;
      if (rule.peers.everything) {
        out.push({ path: rule.path, cause: rule.path, message: `egress rule ${rule.index} of NetworkPolicy "${resource.name}" allows every destination, including the cloud metadata address ${CLOUD_METADATA_ADDRESS}` });
        continue;
      }
      const raw = asArray(fieldAt(resource.object, 'spec', 'egress', rule.index, 'to'));
      raw.forEach((peer, i) => {
        const block = rule.peers.ipBlocks.find((b) => b.cidr.text === fieldAt(peer, 'ipBlock', 'cidr'));
        if (block && ipBlockContainsIp(block, METADATA_IP))
          out.push({ path: `${rule.path}/to/${i}/ipBlock`, cause: `${rule.path}/to/${i}`, message: `egress rule ${rule.index} of NetworkPolicy "${resource.name}" allows ${block.cidr.text}, which includes the cloud metadata address ${CLOUD_METADATA_ADDRESS}` });
      });
    }
    return out;
  },
  examples: {
    valid: [
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}'),
      ALLOW_ALL_EXAMPLE('egress', '    - ports: [{port: 443}]'),
      ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - podSelector: {}'),
    ],
    invalid: [
      {
        manifest: ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}'),
        expect: ['/spec/egress/0/to/0/ipBlock'],
      },
      { manifest: ALLOW_ALL_EXAMPLE('egress', '    - {}'), expect: ['/spec/egress/0'] },
      {
        manifest: ALLOW_ALL_EXAMPLE('egress', '    - to:\n        - ipBlock: {cidr: 169.254.0.0/16}\n      ports: [{port: 80}]'),
        expect: ['/spec/egress/0/to/0/ipBlock'],
      },
    ],
  },
});
