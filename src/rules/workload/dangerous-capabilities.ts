import { IMAGE, pod } from '../examples.js';
import type { Severity, Violation } from '../../core/types.js';
import { type PodSpecView } from '../../k8s/pods.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt } from '../../core/values.js';
import { CAPABILITIES_MAN, HARDENING, SECURITY_CONTEXT_DOC, capabilityName, containerSc, isWindows, } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Capabilities.

/**
 * Capabilities that reach beyond the container, with what each allows (capabilities(7)) and how far:
 * high for those behind known container escapes or control of the node's kernel, medium for those
 * that act on node-wide state without leaving the container. NET_ADMIN acts on the pod's own network
 * namespace, unless the pod shares the node's (hostNetwork).
 */
const DANGEROUS_CAPABILITIES: Record<string, { severity: Severity; what: (pod: PodSpecView) => string }> = {
  ALL: { severity: 'high', what: () => 'every capability, SYS_ADMIN, SYS_MODULE and DAC_READ_SEARCH among them: most known container escapes need nothing more' },
  SYS_ADMIN: { severity: 'high', what: () => 'mount filesystems, create namespaces and reach many kernel interfaces: the basis of the best-known container escapes' },
  SYS_MODULE: { severity: 'high', what: () => "load kernel modules, i.e. run code in the node's kernel" },
  SYS_RAWIO: { severity: 'high', what: () => "I/O port operations and raw memory and device access (/dev/mem, /proc/kcore): the node's memory" },
  DAC_READ_SEARCH: { severity: 'high', what: () => 'bypass file read permissions and open files by handle (open_by_handle_at), which reaches files outside the container (the "shocker" escape)' },
  // High with hostPID (any process of the node), else medium: the pod's own processes only.
  SYS_PTRACE: {
    severity: 'medium',
    what: (pod) =>
      pod.spec.hostPID === true
        ? "trace and inject code into any process of the node (the pod shares the node's process namespace)"
        : "trace and inject code into the processes it can see, those of its own pod",
  },
  BPF: { severity: 'high', what: () => "load eBPF programs into the node's kernel" },
  MAC_ADMIN: { severity: 'high', what: () => 'change the mandatory access control policy (AppArmor profiles) that confines containers' },
  MAC_OVERRIDE: { severity: 'medium', what: () => 'override mandatory access control where the Smack security module enforces it' },
  NET_ADMIN: {
    severity: 'medium',
    what: (pod) =>
      pod.spec.hostNetwork === true
        ? "configure the node's interfaces, routes and firewall rules (the pod shares the node's network): intercept or redirect any traffic of the node"
        : "configure the interfaces, routes and firewall rules of the pod's network namespace: intercept or redirect the pod's own traffic",
  },
  SYS_TIME: { severity: 'medium', what: () => "set the node's clock, which is not namespaced: the kubelet and every pod see it (certificate and token validity, leases)" },
  SYS_BOOT: {
    severity: 'medium',
    what: (pod) =>
      pod.spec.hostPID === true
        ? 'reboot the node (the pod shares the node\'s process namespace) and load a kernel for kexec'
        : "load a kernel for kexec (kexec_load); reboot(2) from the pod's own process namespace only ends that namespace",
  },
  PERFMON: { severity: 'medium', what: () => 'use perf events and eBPF tracing to observe the processes of the node' },
  SYSLOG: { severity: 'medium', what: () => 'read the kernel log and see kernel addresses (kptr_restrict), which help kernel exploits' },
};

export const dangerousCapabilities = defineRule({
  id: 'dangerous-capabilities',
  title: 'Capability that reaches beyond the container added',
  severity: 'high',
  ...HARDENING,
  tags: ['security', 'nsa'],
  description:
    'Some capabilities reach beyond the container. High: those behind known container escapes or control of the node\'s ' +
    'kernel (ALL, SYS_ADMIN, SYS_MODULE, SYS_RAWIO, DAC_READ_SEARCH, BPF, MAC_ADMIN). Medium: those that act on ' +
    'node-wide state without leaving the container (SYS_TIME sets the node\'s clock; SYS_BOOT loads a kernel for kexec, and ' +
    'reboots the node only from the node\'s process namespace; PERFMON, SYSLOG, MAC_OVERRIDE), NET_ADMIN, which configures ' +
    'the pod\'s own network (high with hostNetwork: the node\'s), and SYS_PTRACE, which reaches the pod\'s own processes (high ' +
    'with hostPID: every process of the node). Each finding says what the capability allows (capabilities(7)). ' +
    'The PSS rules reject every addition outside the default set; this rule singles out the ones with reach of their own.',
  remediation: 'Remove the capability from securityContext.capabilities.add; move the privileged task to a narrowly scoped, audited component if it is truly needed.',
  references: [CAPABILITIES_MAN, SECURITY_CONTEXT_DOC],
  check: (resource) =>
    perContainer(resource, (c) => {
      if (isWindows(c.pod)) return undefined;
      const out: Omit<Violation, 'container'>[] = [];
      asArray(fieldAt(containerSc(c), 'capabilities', 'add')).forEach((cap, i) => {
        const name = capabilityName(cap);
        const entry = name !== undefined ? DANGEROUS_CAPABILITIES[name] : undefined;
        if (entry === undefined) return;
        const severity: Severity = (name === 'NET_ADMIN' && c.pod.spec.hostNetwork === true) || (name === 'SYS_PTRACE' && c.pod.spec.hostPID === true) ? 'high' : entry.severity;
        out.push({
          path: `${c.path}/securityContext/capabilities/add/${i}`,
          cause: `${c.path}/securityContext/capabilities/add/${i}`,
          message: `${describeContainer(c)} adds ${name === 'ALL' ? 'ALL capabilities' : `capability ${name}`} (${entry.what(c.pod)})`,
          ...(severity !== 'high' ? { severity } : {}),
        });
      });
      return out;
    }),
  examples: {
    valid: [
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: vpn
            image: ${IMAGE}
            securityContext:
              capabilities: {add: [NET_ADMIN, SYS_ADMIN]}
        `),
        expect: ['/spec/containers/0/securityContext/capabilities/add/0', '/spec/containers/0/securityContext/capabilities/add/1'],
      },
      {
        manifest: pod(`
          containers:
          - name: debug
            image: ${IMAGE}
            securityContext:
              capabilities: {add: [cap_sys_ptrace]}
        `),
        expect: ['/spec/containers/0/securityContext/capabilities/add/0'],
      },
    ],
  },
});
