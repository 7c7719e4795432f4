import { labelledDeployment } from '../examples.js';
import { asString } from '../../core/values.js';
import { labelsOf } from '../../k8s/labels.js';
import { defineRule } from '../define.js';
import { COMMON_LABELS_DOC, } from './shared.js';

export const instanceLabelMismatch = defineRule({
  id: 'instance-label-mismatch',
  title: 'app.kubernetes.io/instance label differs from the object name',
  severity: 'info',
  category: 'metadata',
  tags: ['labels', 'best-practice'],
  optIn: true,
  appliesTo: 'workloads',
  description:
    'The recommended label app.kubernetes.io/instance identifies one installation of an application; tools that group objects by ' +
    'instance expect it to equal the object name. Off by default, because Helm charts conventionally set it to the release name ' +
    'while naming objects "<release>-<chart>". Only objects that set the label are checked.',
  remediation: 'Set app.kubernetes.io/instance to the object name, or leave this rule disabled if your tooling names instances differently.',
  references: [COMMON_LABELS_DOC],
  check: (resource) => {
    const instance = asString(labelsOf(resource.object.metadata)['app.kubernetes.io/instance']);
    if (instance === undefined || instance === resource.name) return [];
    return [{ path: '/metadata/labels/app.kubernetes.io~1instance', message: `label app.kubernetes.io/instance is "${instance}" but the ${resource.kind} is named "${resource.name}"` }];
  },
  examples: {
    valid: [labelledDeployment('{app.kubernetes.io/instance: web}', '{app: web}'), labelledDeployment('{app: web}', '{app: web}')],
    invalid: [
      {
        manifest: labelledDeployment('{app.kubernetes.io/instance: shop-prod}', '{app: web}'),
        expect: ['/metadata/labels/app.kubernetes.io~1instance'],
      },
    ],
  },
});
