import { defineRule } from '../define.js';
import { APISERVER_DOC, CIS_DOC, NOT_EVIDENCE, REMEDIATION, SCOPE, STATIC_MANIFEST, STATIC_POD_DOC, cisIds, hardenedArgs, mirrorPod, violations, withArgs } from './shared.js';

export const controlPlaneOpenAccess = defineRule({
  id: 'control-plane-open-access',
  title: 'Control plane accepts unauthenticated or unauthorized requests',
  severity: 'high',
  category: 'api',
  tags: ['cluster', 'cis', 'control-plane'],
  description:
    'A control-plane component runs with a flag that lets requests in without authentication or authorization: kube-apiserver with ' +
    '`--anonymous-auth` on, `AlwaysAllow` in `--authorization-mode`, or the insecure HTTP port open; etcd without `--client-cert-auth=true`. ' +
    SCOPE,
  remediation: REMEDIATION,
  references: [APISERVER_DOC, STATIC_POD_DOC, CIS_DOC],
  frameworks: { cis: cisIds(true) },
  appliesTo: ['Pod'],
  check: (resource) => violations(resource, true),
  examples: {
    valid: [mirrorPod('kube-apiserver', 'cp-1', hardenedArgs('apiserver')), mirrorPod('etcd', 'cp-1', hardenedArgs('etcd'), 'registry.k8s.io/etcd:3.5.12-0'), NOT_EVIDENCE, STATIC_MANIFEST],
    invalid: [
      {
        manifest: mirrorPod('kube-apiserver', 'cp-1', withArgs('apiserver', { 'anonymous-auth': 'true', 'authorization-mode': 'AlwaysAllow' })),
        expect: ['/spec/containers/0/command/3', '/spec/containers/0/command/9'],
      },
      {
        manifest: mirrorPod('kube-apiserver', 'cp-1', withArgs('apiserver', { 'insecure-port': '8080' }), 'registry.k8s.io/kube-apiserver:v1.19.16'),
        expect: ['/spec/containers/0/command/30'],
      },
      {
        manifest: mirrorPod('etcd', 'cp-1', withArgs('etcd', { 'client-cert-auth': undefined }), 'registry.k8s.io/etcd:3.5.12-0'),
        expect: ['/spec/containers/0'],
      },
    ],
  },
});
