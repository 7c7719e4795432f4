import { labelledDeployment } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { podSpecs } from '../../k8s/pods.js';
import { isObject } from '../../core/values.js';
import { labelKeyProblem, labelValueProblem } from '../../k8s/labels.js';
import { escapePointerToken } from '../../core/pointer.js';
import { defineRule } from '../define.js';
import { LABELS_DOC } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Label syntax

function labelProblems(labels: unknown, basePath: string, where: string): Violation[] {
  if (!isObject(labels)) return [];
  const out: Violation[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const path = `${basePath}/${escapePointerToken(key)}`;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) out.push({ path, message: `${where} label key "${key}" ${keyProblem}` });
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') {
      const shown = typeof value === 'object' ? (Array.isArray(value) ? 'a list' : 'a mapping') : `the ${typeof value} ${JSON.stringify(value)}`;
      out.push({ path, message: `${where} label "${key}" has ${shown} as value: label values must be strings${typeof value === 'object' ? '' : ', so quote the value in the YAML'}` });
      continue;
    }
    const valueProblem = labelValueProblem(value);
    if (valueProblem) out.push({ path, message: `${where} label "${key}" value "${value.length > 80 ? value.slice(0, 77) + '...' : value}" ${valueProblem}` });
  }
  return out;
}

export const invalidLabel = defineRule({
  id: 'invalid-label',
  title: 'Label key or value the API server rejects',
  severity: 'high',
  category: 'metadata',
  tags: ['labels', 'correctness'],
  description:
    'A label in metadata.labels (of the object or of its pod template) breaks the label syntax: values must be strings of at most ' +
    '63 characters that start and end with a letter or digit and contain only letters, digits, "-", "_" and "."; keys are an ' +
    'optional lowercase DNS subdomain prefix and "/" followed by a name with the same rules as values. A YAML number or boolean ' +
    '(version: 1.0, canary: true) is not a string. The API server rejects the whole object.',
  remediation: 'Shorten or rename the label, and quote values that YAML would read as numbers or booleans.',
  references: [LABELS_DOC + '#syntax-and-character-set'],
  check: (resource) => {
    const md = resource.object.metadata;
    const out = labelProblems(isObject(md) ? md.labels : undefined, '/metadata/labels', resource.kind);
    for (const pod of podSpecs(resource)) {
      if (!pod.metadata || pod.metadata === md) continue;
      out.push(...labelProblems(pod.metadata.labels, `${pod.metadataPath}/labels`, 'pod template'));
    }
    return out;
  },
  examples: {
    valid: [labelledDeployment('{app.kubernetes.io/name: web, app.kubernetes.io/version: "1.0", tier: ""}', '{app: web, release: stable_2024-01.rc1}')],
    invalid: [
      { manifest: labelledDeployment('{app: web, version: 1.0}', '{app: web}'), expect: ['/metadata/labels/version'] },
      { manifest: labelledDeployment('{app: web}', '{app: web, commit: "-dirty"}'), expect: ['/spec/template/metadata/labels/commit'] },
      { manifest: labelledDeployment('{app: web, Example.com/team: shop}', '{app: web}'), expect: ['/metadata/labels/Example.com~1team'] },
      {
        manifest: labelledDeployment(`{app: web, description: "${'x'.repeat(64)}"}`, '{app: web}'),
        expect: ['/metadata/labels/description'],
      },
    ],
  },
});
