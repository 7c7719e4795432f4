import { defineRule } from '../define.js';
import { APPLIES_TO, hasConfiguration, IMAGE_CONFIG_REFERENCE, imageExample, viewOf } from './shared.js';
import { exposedPorts } from './image-exposes-ssh.js';

export const imageExposedPort = defineRule({
  id: 'image-exposed-port',
  title: 'The image exposes a port',
  severity: 'info',
  category: 'container-image',
  tags: ['image', 'exposure'],
  appliesTo: APPLIES_TO,
  description:
    'Each port the image configuration lists in `ExposedPorts` (the Dockerfile\'s EXPOSE), for review: it documents what the ' +
    'application listens on. Exposing a port opens nothing in Kubernetes (Services and NetworkPolicies do), so this is ' +
    'information only; port 22 is `image-exposes-ssh`.',
  remediation: 'Expose only the ports the application serves; remove EXPOSE lines for anything else.',
  references: [IMAGE_CONFIG_REFERENCE],
  check: (resource) => {
    const view = viewOf(resource);
    if (!hasConfiguration(view)) return [];
    return exposedPorts(view)
      .filter((p) => !p.ssh)
      .map((p) => ({ path: p.path, message: `the image exposes ${p.port}` }));
  },
  examples: {
    valid: [imageExample('config: {User: "10001"}'), imageExample('config: {User: "10001", ExposedPorts: {}}')],
    invalid: [{ manifest: imageExample('config: {User: "10001", ExposedPorts: {"8080/tcp": {}, "9090/tcp": {}}}'), expect: ['/config/ExposedPorts/8080~1tcp', '/config/ExposedPorts/9090~1tcp'] }],
  },
});
