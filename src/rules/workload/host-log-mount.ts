import { daemonSet } from '../examples.js';
import { hostMountRule } from './shared.js';

export const hostLogMount = hostMountRule({
  id: 'host-log-mount',
  title: 'Node log directory mounted',
  severity: 'medium',
  tags: ['security', 'host-mounts'],
  description:
    '/var/log holds the logs of every pod on the node, which often contain tokens and personal data; with write access ' +
    'a container can plant symlinks the kubelet follows when serving logs. Log collectors need it: scope them carefully ' +
    'and mount read-only.',
  remediation: 'Only log-collection DaemonSets should mount /var/log, read-only; everything else should log to stdout.',
  valid: [
    daemonSet(`
        containers:
        - name: collector
          image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
          volumeMounts: [{name: state, mountPath: /state}]
        volumes:
        - name: state
          hostPath: {path: /var/lib/fluent-bit}
      `, { name: 'log-collector' }),
  ],
  invalid: [
    {
      manifest: daemonSet(`
        containers:
        - name: collector
          image: cr.fluentbit.io/fluent/fluent-bit:3.1.9
          volumeMounts: [{name: varlog, mountPath: /var/log, readOnly: true}]
        volumes:
        - name: varlog
          hostPath: {path: /var/log}
      `, { name: 'log-collector' }),
      expect: ['/spec/template/spec/volumes/0/hostPath/path'],
    },
  ],
});
