import { daemonSet } from '../examples.js';
import { hostMountRule } from './shared.js';

export const hostSystemMount = hostMountRule({
  id: 'host-system-mount',
  title: 'Host system directory mounted',
  severity: 'high',
  tags: ['security', 'host-mounts', 'nsa'],
  description:
    'Host paths such as /proc, /sys, /dev, /boot, /usr, /lib and the runtime\'s image storage give access to every ' +
    'process, device and binary of the node; write access means code execution on the node. Medium instead of high when ' +
    'every container mounting it does so read-only as a non-root user, with allowPrivilegeEscalation: false and no ' +
    'capability that bypasses file permissions (as for host-root-mount): the node\'s file permissions then still apply.',
  remediation: 'Remove the mount, or narrow it to the specific file needed and mount it read-only (monitoring agents usually need only read access).',
  valid: [
    daemonSet(`
        containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          volumeMounts: [{name: textfiles, mountPath: /textfiles, readOnly: true}]
        volumes:
        - name: textfiles
          hostPath: {path: /srv/node-exporter}
      `),
  ],
  invalid: [
    {
      manifest: daemonSet(`
        containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          volumeMounts: [{name: proc, mountPath: /host/proc, readOnly: true}]
        volumes:
        - name: proc
          hostPath: {path: /proc}
      `),
      expect: ['/spec/template/spec/volumes/0/hostPath/path'],
    },
  ],
  mitigated: { severity: 'medium', reaches: 'it reads there only what an unprivileged user of the node may, and changes nothing' },
});
