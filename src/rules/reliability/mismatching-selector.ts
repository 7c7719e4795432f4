import { deploymentFromParts } from '../examples.js';
import { fieldAt, isObject, stringMap } from '../../core/values.js';
import { formatMapSelector, formatSelector, isEmptySelector, mapSelectorMatches, matchesParsed, parseLabelSelector } from '../../k8s/labels.js';
import { defineRule } from '../define.js';
import { DEPLOYMENT_DOC, LABELS_DOC, spec, templateLabels } from './shared.js';

export const mismatchingSelector = defineRule({
  id: 'mismatching-selector',
  title: 'Selector does not match the pod template labels',
  severity: 'high',
  category: 'reliability',
  tags: ['selectors', 'correctness'],
  appliesTo: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job'],
  description:
    'The controller\'s spec.selector is missing, empty, invalid, or does not select the labels of its own pod template. The API ' +
    'server rejects such objects ("selector does not match template labels"); for apps/v1 controllers the selector is required ' +
    'and immutable. Jobs are only checked when they set manualSelector: true, ReplicationControllers only when they set a selector.',
  remediation: 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels.',
  references: [DEPLOYMENT_DOC + '#selector', LABELS_DOC],
  check: (resource) => {
    const s = spec(resource);
    if (!s) return [];
    const labels = templateLabels(resource);
    const templatePath = isObject(fieldAt(s, 'template', 'metadata')) ? '/spec/template/metadata' : isObject(s.template) ? '/spec/template' : '/spec';
    const subject = `${resource.kind} "${resource.name}"`;
    if (resource.kind === 'ReplicationController') {
      if (!isObject(s.selector) || Object.keys(s.selector).length === 0) return [];
      const sel = stringMap(s.selector);
      if (mapSelectorMatches(sel, labels)) return [];
      return [{ path: '/spec/selector', message: `${subject} selector ${formatMapSelector(sel)} does not match its pod template labels` }];
    }
    if (resource.kind === 'Job' && s.manualSelector !== true) return [];
    const parsed = parseLabelSelector(s.selector);
    if (parsed.kind === 'null') return [{ path: '/spec', message: `${subject} has no spec.selector; it is required and must match the pod template labels` }];
    if (parsed.kind === 'invalid') return [{ path: `/spec/selector${parsed.problems[0].path}`, message: `${subject} selector is invalid: ${parsed.problems[0].message}` }];
    if (isEmptySelector(parsed)) return [{ path: '/spec/selector', message: `${subject} has an empty selector, which the API server rejects for controllers` }];
    if (matchesParsed(parsed, labels)) return [];
    const shown = Object.keys(labels).length ? formatMapSelector(labels) : 'none';
    return [{ path: templatePath === '/spec/template/metadata' && isObject(fieldAt(s, 'template', 'metadata', 'labels')) ? '/spec/selector' : templatePath, message: `${subject} selector ${formatSelector(parsed)} does not match its pod template labels (${shown})` }];
  },
  examples: {
    valid: [deploymentFromParts(), deploymentFromParts({ labels: '{app: web, tier: frontend}', selector: '{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [frontend, edge]}]}' })],
    invalid: [
      { manifest: deploymentFromParts({ selector: '{matchLabels: {app: website}}' }), expect: ['/spec/selector'] },
      { manifest: deploymentFromParts({ selector: '{}' }), expect: ['/spec/selector'] },
      {
        manifest: deploymentFromParts({ selector: '{matchExpressions: [{key: app, operator: Equals, values: [web]}]}' }),
        expect: ['/spec/selector/matchExpressions/0/operator'],
      },
    ],
  },
});
