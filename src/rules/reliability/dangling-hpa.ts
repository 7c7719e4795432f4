import { deploymentFromParts, hpa, stream } from '../examples.js';
import { isWorkloadKind } from '../../k8s/pods.js';
import { asObject, asString } from '../../core/values.js';
import { defineRule } from '../define.js';
import { HPA_DOC, anyVisible, findVisible, nsOf, nsPhrase, podOwnersIn, spec, } from './shared.js';

export const danglingHpa = defineRule({
  id: 'dangling-hpa',
  title: 'Autoscaler targets an object that does not exist or cannot scale',
  severity: 'medium',
  category: 'reliability',
  tags: ['autoscaling', 'correctness', 'cross-resource'],
  appliesTo: ['HorizontalPodAutoscaler'],
  reads: ['workloads'],
  description:
    'spec.scaleTargetRef names a kind and name that the scanned set does not contain, or a kind without a scale subresource ' +
    '(DaemonSet, Pod, Job, CronJob). The autoscaler then does nothing. Missing targets are only reported when the scanned set ' +
    'contains workloads or objects of the target kind in that namespace, so that scanning an autoscaler file on its own stays quiet. ' +
    'Targets of a custom kind are judged only when that kind carries a pod template (an Argo Rollout, say).',
  remediation: 'Fix scaleTargetRef (kind, name, apiVersion) so that it names the Deployment or StatefulSet to scale, or scan it together with its target.',
  references: [HPA_DOC],
  check: (resource, context) => {
    const s = spec(resource);
    if (!s) return [];
    const ref = asObject(s.scaleTargetRef);
    if (!ref) return [{ path: '/spec', message: `HorizontalPodAutoscaler "${resource.name}" has no scaleTargetRef` }];
    const kind = asString(ref.kind);
    const name = asString(ref.name);
    if (!kind || !name) return [{ path: '/spec/scaleTargetRef', message: `HorizontalPodAutoscaler "${resource.name}" scaleTargetRef needs a kind and a name` }];
    if (['DaemonSet', 'Pod', 'Job', 'CronJob'].includes(kind)) return [{ path: '/spec/scaleTargetRef/kind', message: `HorizontalPodAutoscaler "${resource.name}" targets a ${kind}, which has no replica count to scale` }];
    const ns = nsOf(resource);
    if (findVisible(context, kind, ns, name)) return [];
    // Targets are looked for among workloads; a custom kind without a pod template is not read, so not judged.
    if (!anyVisible(context, kind, ns) && (!isWorkloadKind(kind) || podOwnersIn(context, ns).length === 0)) return [];
    return [{ path: '/spec/scaleTargetRef/name', message: `HorizontalPodAutoscaler "${resource.name}" targets ${kind} "${name}", which is not in ${nsPhrase(resource)}` }];
  },
  examples: {
    valid: [stream(deploymentFromParts({ replicas: null }), hpa('web')), hpa('web')],
    invalid: [
      { manifest: stream(deploymentFromParts({ replicas: null }), hpa('api')), expect: ['/spec/scaleTargetRef/name'] },
      { manifest: hpa('agent', 2, 5, 'DaemonSet'), expect: ['/spec/scaleTargetRef/kind'] },
    ],
  },
});
