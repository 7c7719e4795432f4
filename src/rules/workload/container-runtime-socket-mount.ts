import { daemonSet, pod } from '../examples.js';
import { hostMountRule, } from './shared.js';

export const containerRuntimeSocketMount = hostMountRule({
  id: 'container-runtime-socket-mount',
  title: 'Container runtime socket mounted',
  severity: 'critical',
  tags: ['security', 'host-mounts', 'nsa'],
  description:
    'The Docker, containerd, CRI-O or Podman socket (or a directory holding it, such as /run or /var/run) lets the ' +
    'container start privileged containers on the node: full node takeover. A read-only mount does not prevent ' +
    'connecting to a socket, and running as a non-root user is no reliable guard either (the socket\'s group, such as ' +
    'docker, can be given to the pod through supplementalGroups or fsGroup): always critical.',
  remediation: 'Remove the mount. Build images with a daemonless builder (BuildKit rootless, kaniko, buildah) and query container state through the Kubernetes API.',
  valid: [
    pod(`
        containers:
        - name: builder
          image: gcr.io/kaniko-project/executor:v1.23.2
          volumeMounts: [{name: workspace, mountPath: /workspace}]
        volumes:
        - name: workspace
          emptyDir: {}
      `),
  ],
  invalid: [
    {
      manifest: pod(`
        containers:
        - name: ci-agent
          image: docker:27.3-cli
          volumeMounts: [{name: docker, mountPath: /var/run/docker.sock}]
        volumes:
        - name: docker
          hostPath: {path: /var/run/docker.sock, type: Socket}
      `),
      expect: ['/spec/volumes/0/hostPath/path'],
    },
    {
      manifest: daemonSet(`
        containers:
        - name: agent
          image: registry.example.com/ops/agent:2.1.0
          volumeMounts: [{name: run, mountPath: /host/run, readOnly: true}]
        volumes:
        - name: run
          hostPath: {path: /run/containerd/}
      `),
      expect: ['/spec/template/spec/volumes/0/hostPath/path'],
    },
  ],
});
