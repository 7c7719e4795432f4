import { IMAGE, pod } from '../examples.js';
import { defineRule, describeContainer } from '../define.js';
import { RESOURCES_DOC, existingPath, limitRangeDefaults, resourceContainers, resourceProvided } from './shared.js';

export const ephemeralStorageUnset = defineRule({
  id: 'ephemeral-storage-unset',
  title: 'Ephemeral storage request or limit missing',
  severity: 'low',
  category: 'resources',
  tags: ['resources', 'reliability'],
  appliesTo: 'workloads',
  reads: ['LimitRange'],
  optIn: true,
  description:
    'Containers write logs, emptyDir data and their writable layer to the node\'s disk. Without an ephemeral-storage ' +
    'request the scheduler ignores that use; without a limit one container can fill the disk and get every pod on the ' +
    'node evicted. LimitRange defaults and pod-level values count as set.',
  remediation: 'Set resources.requests["ephemeral-storage"] and resources.limits["ephemeral-storage"] (e.g. 1Gi and 2Gi).',
  references: [`${RESOURCES_DOC}#local-ephemeral-storage`],
  check: (resource, context) => {
    const defaults = limitRangeDefaults(resource, context);
    return resourceContainers(resource, (c) => {
      const request = resourceProvided(c, 'requests', 'ephemeral-storage', defaults);
      const limit = resourceProvided(c, 'limits', 'ephemeral-storage', defaults);
      if (request && limit) return undefined;
      const what = !request && !limit ? 'neither an ephemeral-storage request nor a limit' : !limit ? 'no ephemeral-storage limit' : 'no ephemeral-storage request';
      return { path: existingPath(c.path, c.container, 'resources', !limit ? 'limits' : 'requests'), message: `${describeContainer(c)} has ${what}` };
    });
  },
  examples: {
    valid: [
      pod(`
          containers:
          - name: web
            image: ${IMAGE}
            resources:
              requests: {ephemeral-storage: 1Gi}
              limits: {ephemeral-storage: 2Gi}
        `),
    ],
    invalid: [
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
            resources:
              requests: {cpu: 100m, memory: 128Mi}
        `),
        expect: ['/spec/containers/0/resources'],
      },
      {
        manifest: pod(`
          containers:
          - name: web
            image: ${IMAGE}
            resources:
              requests: {ephemeral-storage: 1Gi}
        `),
        expect: ['/spec/containers/0/resources'],
      },
    ],
  },
});
