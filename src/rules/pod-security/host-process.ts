import { deployment, pod } from '../examples.js';
import { defineRule, describeContainer } from '../define.js';
import { fieldAt } from '../../core/values.js';
import { containerSecurityContext, podSecurityContext } from '../../k8s/pss.js';
import { podAndContainers, podScPath, pssControl, scPath } from './shared.js';

// ============================== Baseline ==============================
export const hostProcess = defineRule({
  id: 'host-process',
  title: 'Windows HostProcess container',
  severity: 'critical',
  ...pssControl('baseline', 'hostprocess'),
  description:
    'A Windows HostProcess pod or container runs directly on the node with the privileges of a host process: ' +
    'the Baseline profile forbids securityContext.windowsOptions.hostProcess: true at pod and container level.',
  remediation: 'Remove windowsOptions.hostProcess (or set it to false) from the pod and every container securityContext.',
  check: (resource) =>
    podAndContainers(
      resource,
      (pod) =>
        fieldAt(podSecurityContext(pod), 'windowsOptions', 'hostProcess') === true
          ? [{ path: podScPath(pod, 'windowsOptions', 'hostProcess'), message: 'the pod runs as a Windows HostProcess pod (windowsOptions.hostProcess: true), with host-level access' }]
          : [],
      (c) =>
        fieldAt(containerSecurityContext(c), 'windowsOptions', 'hostProcess') === true
          ? [{ path: scPath(c, 'windowsOptions', 'hostProcess'), message: `${describeContainer(c)} runs as a Windows HostProcess container (windowsOptions.hostProcess: true)` }]
          : [],
    ),
  examples: {
    valid: [
      pod(`
          os: {name: windows}
          securityContext:
            windowsOptions: {runAsUserName: "ContainerUser"}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
            securityContext:
              windowsOptions: {hostProcess: false}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          os: {name: windows}
          hostNetwork: true
          securityContext:
            windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}
          containers:
          - name: agent
            image: mcr.microsoft.com/windows/nanoserver:ltsc2022
        `),
        expect: ['/spec/securityContext/windowsOptions/hostProcess'],
      },
      {
        manifest: deployment(`
          os: {name: windows}
          initContainers:
          - name: setup
            image: mcr.microsoft.com/windows/nanoserver:ltsc2022
            securityContext:
              windowsOptions: {hostProcess: true}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
        `),
        expect: ['/spec/template/spec/initContainers/0/securityContext/windowsOptions/hostProcess'],
      },
    ],
  },
});
