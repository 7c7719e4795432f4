import type { Violation } from '../../core/types.js';
import { defineRule, describeContainer } from '../define.js';
import { deploymentWithPorts, service, stream } from '../examples.js';
import { selectedWorkloads } from '../exposure/shared.js';
import { PORT_READS, declaredNotExposed, describeExposed, targetNotExposed, workloadPorts } from './shared.js';

/** A ContainerImage example of the image deploymentWithPorts(name) runs, exposing `ports` ("8080/tcp"). */
export const imageExposing = (name: string, ports: string[]): string => `apiVersion: kshield.io/v1
kind: ContainerImage
metadata: {name: "registry.example.com/shop/${name}:1.4.2"}
image: {source: registry}
config: {ExposedPorts: {${ports.map((p) => `"${p}": {}`).join(', ')}}}
packages: []
`;

export const imagePortNotExposed = defineRule({
  id: 'image-port-not-exposed',
  title: 'A container or Service port the container\'s image does not expose',
  severity: 'low',
  category: 'reliability',
  tags: ['reliability', 'ports', 'image', 'correlation', 'cross-resource'],
  appliesTo: ['workloads', 'Service'],
  reads: [...PORT_READS, 'HorizontalPodAutoscaler'],
  description:
    'A container declares a `containerPort`, or a Service selecting the workload sends traffic to a numeric `targetPort`, that ' +
    'the container\'s image does not EXPOSE, while the image does expose other ports of that protocol. EXPOSE only documents ' +
    'where the process listens (nothing enforces it), so the process may listen there anyway; more often the numbers drifted ' +
    'apart (the app moved to 3000, the manifest still says 8080) and connections to the port are refused. The image\'s ' +
    'ports come from a `ContainerImage` of the run (`/config/ExposedPorts`, which includes the base image\'s) or from the ' +
    'Dockerfile the configuration\'s `imageSources` maps the image to (the final image\'s EXPOSE lines, ARG and ENV ' +
    'substituted). A Dockerfile is judged only when every port its image exposes is known: built FROM scratch, or FROM an ' +
    'image of the run, since a base image adds its own EXPOSEd ports (`kshield scan --images` reads the image itself). ' +
    'Nothing is said when the image exposes no port of the protocol, when another container of the pod exposes the port, ' +
    'or when the image cannot be linked. A Service targetPort is judged here only when the workload declares no ports of ' +
    'that protocol (otherwise service-target-port-undeclared and service-target-port-name-missing judge it against them), ' +
    'and a named targetPort through the containerPort it names.',
  remediation: 'Make the containerPort (or the Service\'s targetPort) the port the application listens on, and keep the Dockerfile\'s EXPOSE in step with it.',
  references: ['https://docs.docker.com/reference/dockerfile/#expose', 'https://kubernetes.io/docs/concepts/services-networking/connect-applications-service/'],
  check: (resource, context) => {
    if (resource.kind === 'Service') {
      const owners = selectedWorkloads(resource, context) ?? [];
      const lacking = new Map<string, { target: string; protocol: string; port: number; owners: string[] }>();
      for (const owner of owners) {
        const w = workloadPorts(owner, context);
        for (const t of w.undeclaredTargets) {
          if (t.service !== resource || !targetNotExposed(w, t.port, t.target.protocol)) continue;
          const images = w.containers.map((x) => `${describeContainer(x.c)} of ${owner.kind} "${owner.name}": ${x.image!.source} exposes ${describeExposed(x.image!, t.target.protocol) || 'none'}`);
          const entry = lacking.get(t.target.path) ?? { target: t.target.serviceName, protocol: t.target.protocol, port: t.port, owners: [] };
          entry.owners.push(...images);
          lacking.set(t.target.path, entry);
        }
      }
      return [...lacking].map(([path, e]): Violation => ({
        path,
        message: `Service "${resource.name}" ${e.target} sends ${e.protocol} traffic to port ${e.port}, which the selected pods' images do not expose (${e.owners.join('; ')}): unless the process listens there anyway (EXPOSE only documents it), connections are refused`,
      }));
    }
    const w = workloadPorts(resource, context);
    const out: Violation[] = [];
    for (const d of w.declared) {
      const image = declaredNotExposed(w, d);
      if (!image) continue;
      const traffic = d.targetedBy.length > 0 ? ` (${d.targetedBy.join(', ')} send${d.targetedBy.length === 1 ? 's' : ''} traffic to it)` : '';
      out.push({
        path: `${d.c.path}/ports/${d.index}/containerPort`,
        container: d.c.name,
        message: `${describeContainer(d.c)} declares containerPort ${d.port}/${d.protocol.toLowerCase()}${traffic}, but ${image.source} exposes only ${describeExposed(image, d.protocol)}: unless the process listens on ${d.port} anyway (EXPOSE only documents it), connections there are refused`,
      });
    }
    return out;
  },
  examples: {
    valid: [
      stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}]'), imageExposing('web', ['8080/tcp'])),
      // The image exposes no TCP port: nothing to compare with.
      stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}]'), imageExposing('web', ['53/udp'])),
      stream(deploymentWithPorts('web', '[]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]'), imageExposing('web', ['8080/tcp'])),
    ],
    invalid: [
      {
        manifest: stream(deploymentWithPorts('web', '[{name: http, containerPort: 8080}]'), imageExposing('web', ['3000/tcp'])),
        expect: [{ path: '/spec/template/spec/containers/0/ports/0/containerPort', message: 'container "web" declares containerPort 8080/tcp, but its image registry.example.com/shop/web:1.4.2 exposes only 3000/tcp (/config/ExposedPorts)' }],
      },
      {
        manifest: stream(deploymentWithPorts('web', '[]'), service('web', '  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: 8080}]'), imageExposing('web', ['3000/tcp'])),
        expect: [{ path: '/spec/ports/0/targetPort', message: 'Service "web" port "http" sends TCP traffic to port 8080, which the selected pods\' images do not expose' }],
      },
    ],
  },
});
