import { defineRule } from '../define.js';
import { APISERVER_DOC, CIS_DOC, NOT_EVIDENCE, REMEDIATION, SCOPE, STATIC_MANIFEST, STATIC_POD_DOC, cisIds, hardenedArgs, mirrorPod, violations, withArgs } from './shared.js';

export const controlPlaneInsecureFlag = defineRule({
  id: 'control-plane-insecure-flag',
  title: 'Control-plane component flag fails a CIS benchmark check',
  severity: 'medium',
  category: 'api',
  tags: ['cluster', 'cis', 'control-plane'],
  description:
    'A control-plane component runs with a flag the CIS Kubernetes Benchmark advises against, or without one it requires: audit logging and ' +
    'retention, admission plugins, kubelet and etcd client certificates, profiling, service-account keys, TLS settings, bind addresses. The ' +
    'message names the CIS id and the check; each check is a finding of its own. Flags that open the component to anyone are ' +
    '`control-plane-open-access`. ' +
    SCOPE,
  remediation: REMEDIATION,
  references: [APISERVER_DOC, STATIC_POD_DOC, CIS_DOC],
  frameworks: { cis: cisIds(false) },
  appliesTo: ['Pod'],
  check: (resource) => violations(resource, false),
  examples: {
    valid: [
      mirrorPod('kube-apiserver', 'cp-1', hardenedArgs('apiserver')),
      mirrorPod('kube-controller-manager', 'cp-1', hardenedArgs('controller-manager')),
      mirrorPod('kube-scheduler', 'cp-1', hardenedArgs('scheduler')),
      NOT_EVIDENCE,
      STATIC_MANIFEST,
    ],
    invalid: [
      {
        manifest: mirrorPod('kube-apiserver', 'cp-1', withArgs('apiserver', { profiling: 'true', 'audit-log-path': undefined, 'enable-admission-plugins': 'AlwaysAdmit' })),
        expect: ['/spec/containers/0/command/10', '/spec/containers/0/command/10', '/spec/containers/0/command/20', '/spec/containers/0'],
      },
      {
        manifest: mirrorPod('kube-scheduler', 'cp-2', ['--bind-address=0.0.0.0', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true']),
        expect: ['/spec/containers/0', '/spec/containers/0/command/1'],
      },
    ],
  },
});
