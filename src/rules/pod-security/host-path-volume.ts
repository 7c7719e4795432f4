import { IMAGE, cronJob, deployment, pod } from '../examples.js';
import { defineRule, perPod } from '../define.js';
import { asArray, fieldAt, asObject } from '../../core/values.js';
import { isSet, show } from '../../k8s/pss.js';
import { pssControl } from './shared.js';

export const hostPathVolume = defineRule({
  id: 'host-path-volume',
  title: 'hostPath volume',
  severity: 'high',
  ...pssControl('baseline', 'hostpath-volumes'),
  description:
    'A hostPath volume mounts a file or directory of the node into the pod: it can expose the container runtime ' +
    'socket, credentials or the node\'s file system, and is a common container escape. Baseline forbids every ' +
    'hostPath volume, read-only or not.',
  remediation: 'Replace the hostPath volume with an emptyDir, configMap, secret, projected or persistentVolumeClaim volume.',
  check: (resource) =>
    perPod(resource, (pod) =>
      asArray(pod.spec.volumes).flatMap((v, i) => {
        const vol = asObject(v);
        if (!vol || !isSet(vol.hostPath)) return [];
        const hostPath = fieldAt(vol.hostPath, 'path');
        return [
          {
            path: `${pod.path}/volumes/${i}/hostPath`,
            // The volume: the host-*-mount rules and writable-host-mount name it too.
            cause: `${pod.path}/volumes/${i}`,
            message: `volume ${show(vol.name ?? `#${i}`)} mounts ${typeof hostPath === 'string' ? `the node path ${show(hostPath)}` : 'a node path'} (hostPath)`,
          },
        ];
      }),
    ),
  examples: {
    valid: [
      pod(`
          containers:
          - name: app
            image: ${IMAGE}
            volumeMounts: [{name: cache, mountPath: /cache}]
          volumes:
          - name: cache
            emptyDir: {}
        `),
    ],
    invalid: [
      {
        manifest: deployment(`
          containers:
          - name: app
            image: ${IMAGE}
            volumeMounts: [{name: docker, mountPath: /var/run/docker.sock}]
          volumes:
          - name: config
            configMap: {name: web-config}
          - name: docker
            hostPath: {path: /var/run/docker.sock, type: Socket}
        `),
        expect: ['/spec/template/spec/volumes/1/hostPath'],
      },
      {
        manifest: cronJob(`
          containers:
          - name: report
            image: ${IMAGE}
          volumes:
          - name: logs
            hostPath: {path: /var/log}
        `),
        expect: ['/spec/jobTemplate/spec/template/spec/volumes/0/hostPath'],
      },
    ],
  },
});
