import { daemonSet } from '../examples.js';
import type { Violation } from '../../core/types.js';
import { defineRule, perContainer, describeContainer } from '../define.js';
import { asArray, fieldAt, isObject, asString } from '../../core/values.js';
import { HOSTPATH_DOC, existingPath } from './shared.js';

export const writableHostMount = defineRule({
  id: 'writable-host-mount',
  title: 'Host path mounted writable',
  severity: 'medium',
  category: 'workload',
  tags: ['security', 'host-mounts'],
  appliesTo: 'workloads',
  description:
    'A hostPath volume mounted without readOnly: true lets the container change files on the node, which survive the ' +
    'pod and are visible to other workloads and to the node itself.',
  remediation: 'Set readOnly: true on the volumeMount, or replace the hostPath with an emptyDir or PersistentVolume.',
  references: [HOSTPATH_DOC],
  check: (resource) =>
    perContainer(resource, (c) => {
      const hostVolumes = new Map<string, { hostPath: string; index: number }>();
      asArray(c.pod.spec.volumes).forEach((v, index) => {
        const name = asString(fieldAt(v, 'name'));
        const path = fieldAt(v, 'hostPath', 'path');
        if (name !== undefined && isObject(fieldAt(v, 'hostPath')) && !hostVolumes.has(name)) hostVolumes.set(name, { hostPath: typeof path === 'string' ? path : '(no path)', index });
      });
      if (hostVolumes.size === 0) return undefined;
      const out: Omit<Violation, 'container'>[] = [];
      asArray(c.container.volumeMounts).forEach((m, i) => {
        if (!isObject(m) || m.readOnly === true) return;
        const volume = asString(m.name);
        const host = volume !== undefined ? hostVolumes.get(volume) : undefined;
        if (host === undefined) return;
        out.push({
          path: existingPath(`${c.path}/volumeMounts/${i}`, m, 'readOnly'),
          // The hostPath volume is the cause (host-path-volume and the host-*-mount rules name it):
          // a writable mount of it is folded into that finding.
          cause: `${c.pod.path}/volumes/${host.index}`,
          message: `${describeContainer(c)} mounts host path ${host.hostPath} (volume "${volume}") writable at ${asString(m.mountPath) ?? '(no mountPath)'}`,
        });
      });
      return out;
    }),
  examples: {
    valid: [
      daemonSet(`
          containers:
          - name: agent
            image: registry.example.com/ops/agent:2.1.0
            volumeMounts: [{name: config, mountPath: /host-config, readOnly: true}]
          volumes:
          - name: config
            hostPath: {path: /srv/agent}
        `),
    ],
    invalid: [
      {
        manifest: daemonSet(`
          containers:
          - name: agent
            image: registry.example.com/ops/agent:2.1.0
            volumeMounts: [{name: data, mountPath: /data}]
          volumes:
          - name: data
            hostPath: {path: /srv/agent, type: DirectoryOrCreate}
        `),
        expect: ['/spec/template/spec/containers/0/volumeMounts/0'],
      },
    ],
  },
});
