import { IMAGE, deployment, pod } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { asArray, asObject } from '../../core/values.js';
import { isSet, podSecurityContext, pssName, safeSysctls, show, sysctlSafeSince } from '../../k8s/pss.js';
import { baselineAt, podScPath, pssControl } from './shared.js';

export const unsafeSysctls = defineRule({
  id: 'unsafe-sysctls',
  title: 'Unsafe sysctl',
  severity: 'medium',
  ...pssControl('baseline', 'sysctls'),
  description:
    'Sysctls that are not namespaced per pod change the kernel for every workload on the node. Baseline allows only ' +
    'the safe set: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, ' +
    'net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, plus net.ipv4.ip_local_reserved_ports (1.27+), ' +
    'net.ipv4.tcp_keepalive_time, tcp_fin_timeout, tcp_keepalive_intvl, tcp_keepalive_probes (1.29+), ' +
    'net.ipv4.tcp_rmem and tcp_wmem (1.32+), net.ipv4.tcp_slow_start_after_idle and tcp_notsent_lowat (1.37+), ' +
    'according to the Pod Security Standards version (--pss-version).',
  remediation: 'Remove the sysctl from spec.securityContext.sysctls; set node-level kernel parameters on the nodes instead.',
  check: (resource, context) => {
    const minor = baselineAt(resource, context);
    const safe = safeSysctls(minor);
    return perPod(resource, (pod) =>
      asArray(podSecurityContext(pod)?.sysctls).flatMap((s, i) => {
        const name = asObject(s)?.name;
        if (!isSet(name) || (typeof name === 'string' && safe.has(name))) return [];
        const since = typeof name === 'string' ? sysctlSafeSince(name) : undefined;
        return [
          {
            path: podScPath(pod, 'sysctls', String(i), 'name'),
            message: `the pod sets sysctl ${show(name)}, which is not in the safe set of ${pssName(minor)}${since !== undefined ? ` (safe from v1.${since})` : ''}`,
          },
        ];
      }),
    );
  },
  examples: {
    valid: [
      pod(`
          securityContext:
            sysctls:
            - {name: net.ipv4.ip_local_port_range, value: "1024 65535"}
            - {name: net.ipv4.tcp_keepalive_time, value: "600"}
          containers:
          - name: app
            image: ${IMAGE}
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          securityContext:
            sysctls:
            - {name: net.core.somaxconn, value: "4096"}
            - {name: kernel.msgmax, value: "65536"}
          containers:
          - name: app
            image: ${IMAGE}
        `),
        expect: ['/spec/template/spec/securityContext/sysctls/0/name', '/spec/template/spec/securityContext/sysctls/1/name'],
      },
    ],
  },
});
