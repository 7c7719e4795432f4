import { daemonSet } from '../examples.js';
import { hostMountRule } from './shared.js';

// ============================== Host mounts ==============================
export const hostRootMount = hostMountRule({
  id: 'host-root-mount',
  title: "Node's root filesystem mounted",
  severity: 'critical',
  tags: ['security', 'host-mounts', 'nsa'],
  description:
    'A hostPath volume of "/" exposes every file on the node: kubelet credentials, other pods\' secrets, SSH keys and ' +
    'the container runtime socket. Critical when any container mounting it can get past the node\'s file permissions: it ' +
    'mounts it writable, may run as root or become root (allowPrivilegeEscalation not false, with the node\'s setuid ' +
    'binaries on the mount), is privileged, or adds a capability that bypasses permission checks (DAC_OVERRIDE, ' +
    'DAC_READ_SEARCH, FOWNER, CHOWN, SETUID, SETGID, SYS_ADMIN, SYS_PTRACE, ALL). For root, read-only does not help: ' +
    'reading the kubelet\'s keys is enough, and a socket opens on a read-only mount. Otherwise (read-only, a non-root ' +
    'user, no privilege escalation, none of those capabilities) it is high: the container reads what an unprivileged ' +
    'user of the node may, world-readable configuration and process details, but not the root-only credentials and socket.',
  remediation: 'Mount only the specific host directory the workload needs, read-only, or use a dedicated volume type.',
  valid: [
    daemonSet(`
        containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          volumeMounts: [{name: textfiles, mountPath: /textfiles, readOnly: true}]
        volumes:
        - name: textfiles
          hostPath: {path: /var/lib/node-exporter/textfiles}
      `),
  ],
  invalid: [
    {
      manifest: daemonSet(`
        containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          volumeMounts: [{name: root, mountPath: /host/root, readOnly: true}]
        volumes:
        - name: root
          hostPath: {path: /}
      `),
      expect: ['/spec/template/spec/volumes/0/hostPath/path'],
    },
  ],
  mitigated: { severity: 'high', reaches: "it reads only what an unprivileged user of the node may (the kubelet's credentials and the runtime socket are root-only)" },
});
