import { defineRule } from '../define.js';
import type { ImageObjectView } from '../../images/image-object.js';
import { APPLIES_TO, hasConfiguration, IMAGE_CONFIG_REFERENCE, imageExample, viewOf } from './shared.js';

const pointerToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The image's exposed ports in numeric order, each with its pointer and whether it is SSH (22/tcp). */
export function exposedPorts(view: ImageObjectView): { port: string; path: string; ssh: boolean }[] {
  const ports = view.config?.ExposedPorts;
  if (!ports || typeof ports !== 'object' || Array.isArray(ports)) return [];
  return Object.keys(ports)
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : 1))
    .map((port) => ({ port, path: `/config/ExposedPorts/${pointerToken(port)}`, ssh: /^22(\/tcp)?$/i.test(port) }));
}

export const imageExposesSsh = defineRule({
  id: 'image-exposes-ssh',
  title: 'The image exposes SSH (port 22)',
  severity: 'medium',
  category: 'container-image',
  tags: ['image', 'exposure', 'security'],
  appliesTo: APPLIES_TO,
  description:
    'The image configuration exposes 22/tcp: the container runs an SSH server, a second way in with its own credentials and ' +
    'keys, outside the Kubernetes API\'s authentication, authorization and audit (`kubectl exec` and `kubectl debug` do that job).',
  remediation: 'Do not run an SSH server in a container: use kubectl exec or debug containers, and remove EXPOSE 22.',
  references: [IMAGE_CONFIG_REFERENCE, 'https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/'],
  check: (resource) => {
    const view = viewOf(resource);
    if (!hasConfiguration(view)) return [];
    return exposedPorts(view)
      .filter((p) => p.ssh)
      .map((p) => ({ path: p.path, message: `the image exposes ${p.port} (SSH)` }));
  },
  examples: {
    valid: [imageExample('config: {User: "10001", ExposedPorts: {"8022/tcp": {}, "22/udp": {}}}')],
    invalid: [{ manifest: imageExample('config: {User: "10001", ExposedPorts: {"22/tcp": {}, "8080/tcp": {}}}'), expect: ['/config/ExposedPorts/22~1tcp'] }],
  },
});
