import { apiStatus, replacementText } from '../../k8s/api-deprecations.js';
import { defineRule } from '../define.js';
import { DEPRECATION_GUIDE, DEPRECATION_POLICY, apiVersionPath, targetVersion } from './shared.js';

export const removedApiVersion = defineRule({
  id: 'removed-api-version',
  title: 'API version removed in the target Kubernetes version',
  severity: 'high',
  category: 'api',
  tags: ['api-version', 'upgrade'],
  description:
    'The object uses an apiVersion that the target Kubernetes version (setting `kubernetesVersion`, default 1.37) no longer serves: ' +
    'the API server rejects it and `kubectl apply` fails. The table follows the Kubernetes deprecated API migration guide.',
  remediation: 'Migrate the manifest to the replacement API version named in the message (kubectl convert can help), checking the notable field changes listed in the migration guide.',
  references: [DEPRECATION_GUIDE, DEPRECATION_POLICY],
  check: (resource, context) => {
    const s = apiStatus(resource.apiVersion, resource.kind, targetVersion(context.settings.kubernetesVersion));
    if (s?.status !== 'removed') return [];
    const e = s.entry;
    return [
      {
        path: apiVersionPath(resource),
        message: `${e.apiVersion} ${e.kind} is no longer served since Kubernetes v${e.removedIn} (target v${targetVersion(context.settings.kubernetesVersion).join('.')})${replacementText(e)}`,
      },
    ];
  },
  examples: {
    valid: [
      `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}`,
    ],
    invalid: [
      {
        manifest: `apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}`,
        expect: ['/apiVersion'],
      },
      {
        manifest: `apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  backend: {serviceName: web, servicePort: 80}`,
        expect: ['/apiVersion'],
      },
    ],
  },
});
