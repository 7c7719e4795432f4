import { apiStatus, replacementText } from '../../k8s/api-deprecations.js';
import { defineRule } from '../define.js';
import { DEPRECATION_GUIDE, DEPRECATION_POLICY, apiVersionPath, targetVersion } from './shared.js';

export const deprecatedApiVersion = defineRule({
  id: 'deprecated-api-version',
  title: 'Deprecated API version',
  severity: 'low',
  category: 'api',
  tags: ['api-version', 'upgrade'],
  description:
    'The object uses an apiVersion that is deprecated in the target Kubernetes version (setting `kubernetesVersion`) but still ' +
    'served. It works today, the API server answers with a warning, and it will stop working in the release named in the message. ' +
    'Versions already removed are reported by removed-api-version instead.',
  remediation: 'Move to the replacement API version before upgrading to the release that removes it.',
  references: [DEPRECATION_GUIDE, DEPRECATION_POLICY],
  check: (resource, context) => {
    const s = apiStatus(resource.apiVersion, resource.kind, targetVersion(context.settings.kubernetesVersion));
    if (s?.status !== 'deprecated') return [];
    const e = s.entry;
    const removal = e.removedIn ? ` and will no longer be served in v${e.removedIn}` : '';
    return [{ path: apiVersionPath(resource), message: `${e.apiVersion} ${e.kind} is deprecated since Kubernetes v${e.deprecatedIn}${removal}${replacementText(e)}` }];
  },
  examples: {
    settings: { kubernetesVersion: '1.24' },
    valid: [
      `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5`,
    ],
    invalid: [
      {
        manifest: `apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5`,
        expect: ['/apiVersion'],
      },
    ],
  },
});
