import { IMAGE, cronJob, deployment, pod } from '../examples.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asObject } from '../../core/values.js';
import { SINCE, containerSecurityContext, isWindowsPod, missingSettingPath, windowsExempt } from '../../k8s/pss.js';
import { onlyBefore, pssControl, restrictedAt, scPath } from './shared.js';

export const capabilitiesDropAll = defineRule({
  id: 'capabilities-drop-all',
  title: 'Capabilities not dropped',
  severity: 'medium',
  ...pssControl('restricted', 'capabilities'),
  description:
    'Restricted requires every container to drop ALL capabilities (securityContext.capabilities.drop must contain ' +
    '"ALL", in capitals, as the admission controller compares it exactly) and to add back at most NET_BIND_SERVICE ' +
    '(rule restricted-capabilities-add). The control exists from Pod Security Standards v1.22; from v1.25 Windows ' +
    'pods (spec.os.name: windows) are exempt.',
  remediation: 'Add securityContext.capabilities.drop: ["ALL"] to every container, then add back only NET_BIND_SERVICE if the process binds a port below 1024.',
  check: (resource, context) => {
    const minor = restrictedAt(resource, context);
    if (minor < SINCE.restrictedCapabilities) return [];
    return perContainer(resource, (c) => {
      if (windowsExempt(c.pod, minor)) return undefined;
      const sc = containerSecurityContext(c);
      const caps = asObject(sc?.capabilities);
      const drop = caps?.drop;
      if (Array.isArray(drop) && drop.includes('ALL')) return undefined;
      const windows = isWindowsPod(c.pod) ? onlyBefore(minor, SINCE.windowsExemption, 'Windows pods') : '';
      if (Array.isArray(drop)) {
        const lower = drop.some((d) => typeof d === 'string' && d.toUpperCase() === 'ALL');
        return {
          path: scPath(c, 'capabilities', 'drop'),
          cause: scPath(c, 'capabilities', 'drop'),
          message: lower
            ? `${describeContainer(c)} drops "${drop.find((d) => typeof d === 'string' && d.toUpperCase() === 'ALL')}"; Pod Security admission only accepts "ALL" in capitals${windows}`
            : `${describeContainer(c)} drops only some capabilities; it must drop ALL${windows}`,
        };
      }
      return {
        path: caps ? scPath(c, 'capabilities') : missingSettingPath(c),
        // The drop list (missing here): net-raw-not-dropped names it too, and dropping ALL fixes both.
        cause: scPath(c, 'capabilities', 'drop'),
        message: `${describeContainer(c)} does not drop ALL capabilities${windows}`,
      };
    });
  },
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}
          initContainers:
          - name: migrate
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [NET_RAW, ALL]}
        `),
      pod(`
          os: {name: windows}
          containers:
          - name: app
            image: mcr.microsoft.com/windows/servercore:ltsc2022
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [NET_RAW]}
        `),
        expect: ['/spec/template/spec/containers/0/securityContext/capabilities/drop'],
      },
      {
        manifest: pod(`
          containers:
          - name: app
            image: ${IMAGE}
            securityContext:
              capabilities: {drop: [all]}
        `),
        expect: ['/spec/containers/0/securityContext/capabilities/drop'],
      },
      {
        manifest: cronJob(`
          containers:
          - name: report
            image: ${IMAGE}
        `),
        expect: ['/spec/jobTemplate/spec/template/spec/containers/0'],
      },
    ],
  },
});
