import { daemonSet } from '../examples.js';
import { hostMountRule } from './shared.js';

export const hostCredentialsMount = hostMountRule({
  id: 'host-credentials-mount',
  title: 'Host directory with credentials mounted',
  severity: 'high',
  tags: ['security', 'host-mounts', 'nsa'],
  description:
    'Host paths such as /etc, /root, /home, /var/lib/kubelet and /var/lib/etcd (or a parent such as /var) hold node and ' +
    'cluster credentials: kubelet certificates, other pods\' service account tokens and secrets, SSH keys, etcd data.',
  remediation: 'Do not mount these paths. Give the workload the specific data it needs through ConfigMaps, Secrets or a narrow, read-only hostPath.',
  valid: [
    daemonSet(`
        containers:
        - name: agent
          image: registry.example.com/ops/agent:2.1.0
          volumeMounts: [{name: data, mountPath: /data}]
        volumes:
        - name: data
          hostPath: {path: /srv/agent-data, type: DirectoryOrCreate}
      `),
  ],
  invalid: [
    {
      manifest: daemonSet(`
        containers:
        - name: agent
          image: registry.example.com/ops/agent:2.1.0
          volumeMounts: [{name: kubelet, mountPath: /var/lib/kubelet, readOnly: true}]
        volumes:
        - name: kubelet
          hostPath: {path: /var/lib/kubelet}
      `),
      expect: ['/spec/template/spec/volumes/0/hostPath/path'],
    },
    {
      manifest: daemonSet(`
        containers:
        - name: agent
          image: registry.example.com/ops/agent:2.1.0
          volumeMounts: [{name: etc, mountPath: /host/etc}]
        volumes:
        - name: etc
          hostPath: {path: /etc}
      `),
      expect: ['/spec/template/spec/volumes/0/hostPath/path'],
    },
  ],
});
