import { labelledDeployment } from '../examples.js';
import type { Resource, Violation } from '../../core/types.js';
import { podSpecs } from '../../k8s/pods.js';
import { isObject } from '../../core/values.js';
import { labelsOf } from '../../k8s/labels.js';
import { escapePointerToken } from '../../core/pointer.js';
import { defineRule } from '../define.js';
import { COMMON_LABELS_DOC, LABELS_DOC } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Required labels

/** Splits the `requiredLabels` setting into groups of alternative keys ("a|b" = a or b). */
export function requiredLabelGroups(setting: unknown): string[][] {
  if (!Array.isArray(setting)) return [];
  const groups: string[][] = [];
  for (const entry of setting) {
    if (typeof entry !== 'string') continue;
    const keys = entry
      .split('|')
      .map((k) => k.trim())
      .filter(Boolean);
    if (keys.length > 0) groups.push(keys);
  }
  return groups;
}

function hasNonEmptyLabel(labels: Record<string, string>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key) && labels[key] !== '';
}

/** Pointer to metadata.labels, or to the nearest parent that exists. */
function labelsPath(resource: Resource): string {
  const md = resource.object.metadata;
  if (!isObject(md)) return '';
  return isObject(md.labels) ? '/metadata/labels' : '/metadata';
}

export const missingRequiredLabels = defineRule({
  id: 'missing-required-labels',
  title: 'Workload without ownership labels',
  severity: 'low',
  category: 'metadata',
  tags: ['labels', 'ownership', 'best-practice'],
  appliesTo: 'workloads',
  description:
    'Every workload must carry the label keys listed in the `requiredLabels` setting (default: `app.kubernetes.io/name` and one of ' +
    '`app.kubernetes.io/owner`, `owner` or `team`; "a|b" means any one of the alternatives), so that an incident, a cost report or a ' +
    'security finding leads to the team that owns it. The labels are read from the object\'s own `metadata.labels`: that is what ' +
    'inventory tools, `kubectl get -l` on controllers and policy engines see. Pod template labels do not count, because they only ' +
    'describe the pods; when a key is found only on the pod template the message says so. An empty value counts as missing. ' +
    'One finding is reported per missing key group.',
  remediation: 'Add the missing labels to metadata.labels (for example app.kubernetes.io/name: checkout and team: payments), or change `requiredLabels` in .kshield.yaml.',
  references: [COMMON_LABELS_DOC, LABELS_DOC],
  check: (resource, context) => {
    const groups = requiredLabelGroups(context.settings.requiredLabels);
    if (groups.length === 0) return [];
    const own = labelsOf(resource.object.metadata);
    const templates = podSpecs(resource)
      .filter((p) => p.metadata !== undefined && p.metadata !== resource.object.metadata)
      .map((p) => labelsOf(p.metadata));
    const out: Violation[] = [];
    for (const group of groups) {
      if (group.some((k) => hasNonEmptyLabel(own, k))) continue;
      const keys = group.length === 1 ? `label "${group[0]}"` : `label among ${group.map((k) => `"${k}"`).join(', ')}`;
      const onTemplate = group.find((k) => templates.some((t) => hasNonEmptyLabel(t, k)));
      const emptyKey = group.find((k) => own[k] === '');
      let message = `${resource.kind} "${resource.name}" has no ${keys}`;
      if (emptyKey) message = `${resource.kind} "${resource.name}" has an empty value for label "${emptyKey}"${group.length > 1 ? ` (expected a ${keys})` : ''}`;
      if (onTemplate) message += ` (it is set on the pod template, but not on the ${resource.kind} itself)`;
      out.push({ path: emptyKey ? `/metadata/labels/${escapePointerToken(emptyKey)}` : labelsPath(resource), message, key: group.join('|') });
    }
    return out;
  },
  examples: {
    valid: [labelledDeployment('{app.kubernetes.io/name: web, team: storefront}', '{app: web}'), labelledDeployment('{app.kubernetes.io/name: web, app.kubernetes.io/owner: storefront}', '{app: web}')],
    invalid: [
      {
        manifest: labelledDeployment('{app: web}', '{app: web, app.kubernetes.io/name: web, team: storefront}'),
        expect: ['/metadata/labels', '/metadata/labels'],
      },
      {
        manifest: `apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
  - name: shell
    image: busybox:1.36`,
        expect: ['/metadata', '/metadata'],
      },
      { manifest: labelledDeployment('{app.kubernetes.io/name: web, team: ""}', '{app: web}'), expect: ['/metadata/labels/team'] },
    ],
  },
});
