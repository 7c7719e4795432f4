import { deploymentFromParts } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { podSpecs } from '../../k8s/pods.js';
import { isObject } from '../../core/values.js';
import { formatSelector, labelsOf, parseLabelSelector } from '../../k8s/labels.js';
import { defineRule } from '../define.js';
import { controllerPodLabels, matchPods } from '../../k8s/controller-labels.js';
import { SPREAD, SPREAD_DOC, } from './shared.js';

export const topologySpreadConstraintInvalid = defineRule({
  id: 'topology-spread-constraint-invalid',
  title: 'Topology spread constraint that cannot work',
  severity: 'medium',
  category: 'reliability',
  tags: ['scheduling', 'availability', 'correctness'],
  appliesTo: 'workloads',
  description:
    'A topologySpreadConstraints entry is malformed (maxSkew below 1, no topologyKey, whenUnsatisfiable other than DoNotSchedule or ' +
    'ScheduleAnyway: the API server rejects these), has no labelSelector (it then counts no pods and spreads nothing), or has a ' +
    'labelSelector that does not match the pod\'s own labels (it spreads some other application\'s pods, not these replicas).',
  remediation: 'Give every constraint maxSkew >= 1, a topologyKey, a valid whenUnsatisfiable, and a labelSelector that matches the pod template labels.',
  references: [SPREAD_DOC],
  check: (resource, context) => {
    const out: Violation[] = [];
    for (const pod of podSpecs(resource)) {
      const list = pod.spec.topologySpreadConstraints;
      if (!Array.isArray(list)) continue;
      // The pods' labels include those their controller adds; this rule reads no autoscalers, so any ordinal may exist.
      const own = controllerPodLabels(resource, labelsOf(pod.metadata), { autoscaled: true, kubernetesVersion: context.settings.kubernetesVersion });
      list.forEach((c, i) => {
        const at = `${pod.path}/topologySpreadConstraints/${i}`;
        if (!isObject(c)) return;
        const what = `topology spread constraint #${i + 1}`;
        if (c.maxSkew !== undefined && (typeof c.maxSkew !== 'number' || c.maxSkew < 1)) out.push({ path: `${at}/maxSkew`, message: `${what} has maxSkew ${JSON.stringify(c.maxSkew)}; it must be at least 1` });
        if (c.maxSkew === undefined) out.push({ path: at, message: `${what} has no maxSkew` });
        if (typeof c.topologyKey !== 'string' || c.topologyKey === '') out.push({ path: c.topologyKey === undefined ? at : `${at}/topologyKey`, message: `${what} has no topologyKey` });
        if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway')
          out.push({ path: c.whenUnsatisfiable === undefined ? at : `${at}/whenUnsatisfiable`, message: `${what} has whenUnsatisfiable ${c.whenUnsatisfiable === undefined ? 'unset' : JSON.stringify(c.whenUnsatisfiable)}; use DoNotSchedule or ScheduleAnyway` });
        const parsed = parseLabelSelector(c.labelSelector);
        if (parsed.kind === 'null') out.push({ path: at, message: `${what} has no labelSelector, so it counts no pods and spreads nothing` });
        else if (parsed.kind === 'invalid') out.push({ path: `${at}/labelSelector${parsed.problems[0].path}`, message: `${what} labelSelector is invalid: ${parsed.problems[0].message}` });
        else if (matchPods(parsed.selector.requirements, own).kind === 'none') out.push({ path: `${at}/labelSelector`, message: `${what} selects ${formatSelector(parsed)}, which does not match the pod's own labels, so these replicas are not spread` });
      });
    }
    return out;
  },
  examples: {
    valid: [deploymentFromParts({ podSpec: SPREAD })],
    invalid: [
      {
        manifest: deploymentFromParts({ podSpec: SPREAD.replace('{app: web}', '{app: webapp}') }),
        expect: ['/spec/template/spec/topologySpreadConstraints/0/labelSelector'],
      },
      {
        manifest: deploymentFromParts({ podSpec: SPREAD.replace('        labelSelector: {matchLabels: {app: web}}', '').trimEnd() }),
        expect: ['/spec/template/spec/topologySpreadConstraints/0'],
      },
      {
        manifest: deploymentFromParts({ podSpec: SPREAD.replace('maxSkew: 1', 'maxSkew: 0').replace('ScheduleAnyway', 'Sometimes') }),
        expect: ['/spec/template/spec/topologySpreadConstraints/0/maxSkew', '/spec/template/spec/topologySpreadConstraints/0/whenUnsatisfiable'],
      },
    ],
  },
});
