import type { Violation } from '../../core/types.js';
import { defineRule, describeContainer } from '../define.js';
import { deploymentWithPorts, service, stream } from '../examples.js';
import { imageExposing } from './image-port-not-exposed.js';
import { PORT_READS, formatPort, hasNotExposed, workloadPorts } from './shared.js';

export const imageExposedPortUnused = defineRule({
  id: 'image-exposed-port-unused',
  title: 'A port the image exposes that no containerPort or Service uses',
  severity: 'info',
  category: 'reliability',
  tags: ['reliability', 'ports', 'image', 'correlation', 'cross-resource'],
  appliesTo: ['workloads'],
  reads: [...PORT_READS, 'HorizontalPodAutoscaler'],
  description:
    'The container\'s image EXPOSEs a port that no container of the pod declares as a `containerPort` and no Service of the ' +
    'scan selecting the workload targets (by number, or by a name resolving to it), while the pod does use other ports of ' +
    'that protocol. Either the process serves something there the manifests forgot (a metrics or admin port nobody ' +
    'declared), or the EXPOSE is stale. Informational: EXPOSE only documents ports, and a Service outside the scan, a ' +
    'scraper reading pod annotations or port-forwarding may use the port. Only ports the image certainly exposes are ' +
    'named (a Dockerfile\'s own EXPOSE lines, ARG and ENV substituted, or a `ContainerImage`\'s `/config/ExposedPorts`; ' +
    'ranges are left out), and nothing is said for a protocol where image-port-not-exposed already reports a mismatch: ' +
    'one drift, one finding.',
  remediation: 'Declare the port in the container\'s ports (and a Service if it is to be reached), or remove the stale EXPOSE from the Dockerfile.',
  references: ['https://docs.docker.com/reference/dockerfile/#expose', 'https://kubernetes.io/docs/concepts/services-networking/connect-applications-service/'],
  check: (resource, context) => {
    const w = workloadPorts(resource, context);
    const out: Violation[] = [];
    for (const { c, image } of w.containers) {
      if (!image) continue;
      for (const e of image.ports) {
        if (e.low !== e.high) continue;
        const uses = [...w.declared.filter((d) => d.protocol === e.protocol).map((d) => d.port), ...w.numericTargets.filter((t) => t.target.protocol === e.protocol).map((t) => t.port)];
        if (uses.length === 0 || uses.includes(e.low) || hasNotExposed(w, e.protocol)) continue;
        const port = formatPort(e);
        out.push({
          path: Array.isArray(c.container.ports) ? `${c.path}/ports` : `${c.path}/image`,
          container: c.name,
          key: port,
          message: `${image.source} exposes ${port} (${e.where}), but no containerPort of the pod declares it and no Service in the scan targets it (the pod uses ${[...new Set(uses)].sort((a, b) => a - b).map((u) => `${u}/${e.protocol.toLowerCase()}`).join(', ')}): declare it if ${describeContainer(c)} serves there, or drop the stale EXPOSE`,
        });
      }
    }
    return out;
  },
  examples: {
    valid: [
      stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]'), imageExposing('web', ['8080/tcp', '9090/tcp'])),
      // The pod says nothing of its ports: nothing to compare with.
      stream(deploymentWithPorts('web', '[]'), imageExposing('web', ['8080/tcp', '9090/tcp'])),
      // 8080 is not exposed: image-port-not-exposed reports that drift, once.
      stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}]'), imageExposing('web', ['3000/tcp'])),
    ],
    invalid: [
      {
        manifest: stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}]'), imageExposing('web', ['8080/tcp', '9090/tcp'])),
        expect: [{ path: '/spec/template/spec/containers/0/ports', message: 'its image registry.example.com/shop/web:1.4.2 exposes 9090/tcp (/config/ExposedPorts), but no containerPort of the pod declares it and no Service in the scan targets it (the pod uses 8080/tcp)' }],
      },
      {
        manifest: stream(deploymentWithPorts('web', '[]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]'), imageExposing('web', ['8080/tcp', '9090/tcp'])),
        expect: ['/spec/template/spec/containers/0/ports'],
      },
    ],
  },
});
