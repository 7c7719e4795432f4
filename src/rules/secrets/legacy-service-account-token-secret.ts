import { secret } from '../examples.js';
import { defineRule } from '../define.js';
import { asObject, asString } from '../../core/values.js';
import { subject } from './shared.js';

const SA_TOKEN_SECRET_DOC = 'https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets';

const LEGACY_TOKEN_CLEANUP = 'https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/#auto-generated-legacy-serviceaccount-token-clean-up';

export const legacyServiceAccountTokenSecret = defineRule({
  id: 'legacy-service-account-token-secret',
  title: 'Long-lived service account token Secret',
  severity: 'medium',
  category: 'secrets',
  tags: ['security', 'secrets', 'service-accounts'],
  appliesTo: ['Secret'],
  description:
    'A Secret of type kubernetes.io/service-account-token makes the control plane mint a token for the named service account ' +
    'that never expires and is not bound to any pod: whoever reads the Secret holds the account\'s permissions until the ' +
    'Secret is deleted. Since Kubernetes 1.24 pods get short-lived, automatically rotated tokens through the TokenRequest API ' +
    'instead, and unused legacy token Secrets are cleaned up.',
  remediation: 'Delete the Secret; use projected service account tokens in pods, or `kubectl create token` (TokenRequest) for short-lived tokens outside the cluster.',
  references: [SA_TOKEN_SECRET_DOC, LEGACY_TOKEN_CLEANUP],
  check: (resource) => {
    if (resource.object.type !== 'kubernetes.io/service-account-token') return [];
    const account = asString(asObject(asObject(resource.object.metadata)?.annotations)?.['kubernetes.io/service-account.name']);
    return [{ path: '/type', message: `${subject(resource)} is a long-lived token for service account ${account !== undefined ? JSON.stringify(account) : '(unnamed)'}` }];
  },
  examples: {
    valid: [secret('stringData:\n  note: ""')],
    invalid: [
      {
        manifest: `apiVersion: v1
kind: Secret
metadata:
  name: ci-deployer-token
  namespace: shop
  annotations:
    kubernetes.io/service-account.name: ci-deployer
type: kubernetes.io/service-account-token
`,
        expect: ['/type'],
      },
    ],
  },
});
