/**
 * The JSON types of the fields kshield's rules and commands read, for the kinds they judge. A
 * field of the wrong type (`verbs: "*"`, `ports: "80"`) is rejected by the API server, and the
 * rules, which read every field through the safe readers of values.ts, would silently skip it:
 * a finding lost without a word. The loader reports each one as an input error instead.
 *
 * Only the fields in these tables are walked, so the check costs a few property reads per object.
 * Pod specs are checked by podShapeProblems (pods.ts); here only what it leaves out of containers.
 */
import type { JsonObject, Resource } from './types.js';
import { containers, isBuiltinApiVersion, typeName, type ShapeProblem } from './pods.js';
import { escapePointerToken } from '../sources/yaml.js';
import { isObject } from './values.js';

type Shape =
  | { type: 'string'; oneOf?: readonly string[] }
  | { type: 'integer' }
  | { type: 'intOrString' }
  | { type: 'boolean' }
  | { type: 'stringMap'; valuesJudgedElsewhere?: boolean }
  | { type: 'list'; item: Shape }
  | {
      type: 'object';
      fields: Readonly<Record<string, Shape>>;
      required?: readonly string[];
      /** A wrong type here is already reported elsewhere (pod spec paths): only look inside. */
      reportedElsewhere?: boolean;
    };

const STRING: Shape = { type: 'string' };
const INTEGER: Shape = { type: 'integer' };
const INT_OR_STRING: Shape = { type: 'intOrString' };
const BOOLEAN: Shape = { type: 'boolean' };
const STRING_MAP: Shape = { type: 'stringMap' };
/**
 * Labels of objects and pod templates: their values (numbers, booleans, syntax) are the
 * invalid-label rule's findings, with the key's position; here only the mapping itself.
 */
const LABELS: Shape = { type: 'stringMap', valuesJudgedElsewhere: true };
const STRINGS: Shape = { type: 'list', item: STRING };
const oneOf = (...values: string[]): Shape => ({ type: 'string', oneOf: values });
const listOf = (item: Shape): Shape => ({ type: 'list', item });
const object = (fields: Record<string, Shape>, required?: string[]): Shape => ({ type: 'object', fields, required });
/** A mapping whose wrong type podShapeProblems reports already (it lies on a fixed pod spec path). */
const podPathObject = (fields: Record<string, Shape>): Shape => ({ type: 'object', fields, reportedElsewhere: true });

const LABEL_SELECTOR = object({
  matchLabels: STRING_MAP,
  matchExpressions: listOf(object({ key: STRING, operator: STRING, values: STRINGS })),
});

/** metadata itself and metadata.name are checked by the loader, which needs the name first. */
const METADATA_FIELDS: Record<string, Shape> = {
  namespace: STRING,
  generateName: STRING,
  labels: LABELS,
  annotations: STRING_MAP,
  ownerReferences: listOf(object({ apiVersion: STRING, kind: STRING, name: STRING, controller: BOOLEAN })),
};

const POD_TEMPLATE = podPathObject({ metadata: object({ labels: LABELS, annotations: STRING_MAP }) });

const POLICY_RULES = listOf(
  object({ apiGroups: STRINGS, resources: STRINGS, verbs: STRINGS, resourceNames: STRINGS, nonResourceURLs: STRINGS }),
);
const BINDING: Record<string, Shape> = {
  roleRef: object({ apiGroup: STRING, kind: STRING, name: STRING }, ['kind', 'name']),
  subjects: listOf(object({ kind: oneOf('User', 'Group', 'ServiceAccount'), name: STRING, namespace: STRING, apiGroup: STRING }, ['kind', 'name'])),
};

const NETWORK_POLICY_PEERS = listOf(
  object({
    podSelector: LABEL_SELECTOR,
    namespaceSelector: LABEL_SELECTOR,
    ipBlock: object({ cidr: STRING, except: STRINGS }),
  }),
);
const NETWORK_POLICY_PORTS = listOf(object({ protocol: STRING, port: INT_OR_STRING, endPort: INTEGER }));

const INGRESS_BACKEND = object({
  service: object({ name: STRING, port: object({ number: INTEGER, name: STRING }) }),
  // extensions/v1beta1 and networking.k8s.io/v1beta1
  serviceName: STRING,
  servicePort: INT_OR_STRING,
});

const REPLICATED_SPEC = podPathObject({ replicas: INTEGER, selector: LABEL_SELECTOR, template: POD_TEMPLATE });
const JOB_SPEC = podPathObject({ parallelism: INTEGER, completions: INTEGER, backoffLimit: INTEGER, selector: LABEL_SELECTOR, template: POD_TEMPLATE });

/** Top-level fields by kind (built-in API groups only: a Knative Service is not a core Service). */
const KIND_FIELDS = new Map<string, Record<string, Shape>>([
  ['Role', { rules: POLICY_RULES }],
  ['ClusterRole', { rules: POLICY_RULES, aggregationRule: object({ clusterRoleSelectors: listOf(LABEL_SELECTOR) }) }],
  ['RoleBinding', BINDING],
  ['ClusterRoleBinding', BINDING],
  [
    'NetworkPolicy',
    {
      spec: object({
        podSelector: LABEL_SELECTOR,
        policyTypes: listOf(oneOf('Ingress', 'Egress')),
        ingress: listOf(object({ from: NETWORK_POLICY_PEERS, ports: NETWORK_POLICY_PORTS })),
        egress: listOf(object({ to: NETWORK_POLICY_PEERS, ports: NETWORK_POLICY_PORTS })),
      }),
    },
  ],
  [
    'Service',
    {
      spec: object({
        type: STRING,
        clusterIP: STRING,
        externalName: STRING,
        externalTrafficPolicy: STRING,
        selector: STRING_MAP,
        ports: listOf(object({ name: STRING, protocol: STRING, port: INTEGER, targetPort: INT_OR_STRING, nodePort: INTEGER })),
        externalIPs: STRINGS,
        loadBalancerSourceRanges: STRINGS,
      }),
    },
  ],
  [
    'Ingress',
    {
      spec: object({
        ingressClassName: STRING,
        defaultBackend: INGRESS_BACKEND,
        backend: INGRESS_BACKEND,
        rules: listOf(object({ host: STRING, http: object({ paths: listOf(object({ path: STRING, pathType: STRING, backend: INGRESS_BACKEND })) }) })),
        tls: listOf(object({ hosts: STRINGS, secretName: STRING })),
      }),
    },
  ],
  ['Secret', { type: STRING, data: STRING_MAP, stringData: STRING_MAP }],
  ['ConfigMap', { data: STRING_MAP, binaryData: STRING_MAP }],
  ['ServiceAccount', { automountServiceAccountToken: BOOLEAN, secrets: listOf(object({ name: STRING })), imagePullSecrets: listOf(object({ name: STRING })) }],
  ['Deployment', { spec: REPLICATED_SPEC }],
  ['StatefulSet', { spec: REPLICATED_SPEC }],
  ['ReplicaSet', { spec: REPLICATED_SPEC }],
  ['DaemonSet', { spec: podPathObject({ selector: LABEL_SELECTOR, template: POD_TEMPLATE }) }],
  // A ReplicationController's selector is a plain map, not a label selector.
  ['ReplicationController', { spec: podPathObject({ replicas: INTEGER, selector: STRING_MAP, template: POD_TEMPLATE }) }],
  ['Job', { spec: JOB_SPEC }],
  // invalid-label does not look at a CronJob's job template: its label values are checked here.
  ['CronJob', { spec: podPathObject({ schedule: STRING, jobTemplate: podPathObject({ metadata: object({ ...METADATA_FIELDS, labels: STRING_MAP }), spec: JOB_SPEC }) }) }],
  ['PodTemplate', { template: POD_TEMPLATE }],
  [
    'HorizontalPodAutoscaler',
    { spec: object({ minReplicas: INTEGER, maxReplicas: INTEGER, scaleTargetRef: object({ apiVersion: STRING, kind: STRING, name: STRING }) }) },
  ],
  ['PodDisruptionBudget', { spec: object({ minAvailable: INT_OR_STRING, maxUnavailable: INT_OR_STRING, selector: LABEL_SELECTOR }) }],
]);

const CONTAINER_ENV = listOf(
  object({
    name: STRING,
    value: STRING,
    valueFrom: object({
      secretKeyRef: object({ name: STRING, key: STRING }),
      configMapKeyRef: object({ name: STRING, key: STRING }),
    }),
  }),
);
const CONTAINER_ENV_FROM = listOf(object({ prefix: STRING, configMapRef: object({ name: STRING }), secretRef: object({ name: STRING }) }));
const CONTAINER_PORTS = listOf(object({ name: STRING, containerPort: INTEGER, hostPort: INTEGER, protocol: STRING }));

function describe(shape: Shape): string {
  switch (shape.type) {
    case 'string':
      return shape.oneOf ? `one of ${shape.oneOf.join(', ')}` : 'a string';
    case 'integer':
      return 'an integer';
    case 'intOrString':
      return 'an integer or a string';
    case 'boolean':
      return 'true or false';
    case 'stringMap':
      return 'a mapping of strings';
    case 'list':
      return shape.item.type === 'string' && !shape.item.oneOf ? 'a list of strings' : shape.item.type === 'object' ? 'a list of mappings' : 'a list';
    case 'object':
      return 'a mapping';
  }
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `labels.app`, `labels["app.kubernetes.io/name"]`: keys are names, never values. */
function childWhere(where: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${where}[${JSON.stringify(key)}]`;
  return where === '' ? key : `${where}.${key}`;
}

class Walker {
  readonly problems: ShapeProblem[] = [];

  /** Never quotes the value: a misplaced value may be a secret (stringData: "..."). */
  private wrong(path: string, where: string, shape: Shape, value: unknown): void {
    let message = `${where} must be ${describe(shape)}, but is `;
    if (shape.type === 'string' && shape.oneOf && typeof value === 'string') message += 'another string';
    else {
      message += typeName(value);
      if (typeof value === 'string' && (shape.type === 'integer' || shape.type === 'boolean') && /^\s*(-?\d+|true|false)\s*$/.test(value)) message += ' (remove the quotes)';
    }
    this.problems.push({ path, message });
  }

  check(value: unknown, shape: Shape, path: string, where: string): void {
    if (value === undefined || value === null) return; // the API server treats null as absent
    switch (shape.type) {
      case 'string':
        if (typeof value !== 'string' || (shape.oneOf !== undefined && !shape.oneOf.includes(value))) this.wrong(path, where, shape, value);
        return;
      case 'integer':
        if (!Number.isInteger(value)) this.wrong(path, where, shape, value);
        return;
      case 'intOrString':
        if (typeof value !== 'string' && !Number.isInteger(value)) this.wrong(path, where, shape, value);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.wrong(path, where, shape, value);
        return;
      case 'stringMap':
        if (!isObject(value)) return this.wrong(path, where, shape, value);
        if (shape.valuesJudgedElsewhere) return;
        for (const key in value) {
          const v = value[key];
          if (typeof v !== 'string' && v !== null) this.wrong(`${path}/${escapePointerToken(key)}`, childWhere(where, key), STRING, v);
        }
        return;
      case 'list':
        if (!Array.isArray(value)) return this.wrong(path, where, shape, value);
        for (let i = 0; i < value.length; i++) this.check(value[i], shape.item, `${path}/${i}`, `${where}[${i}]`);
        return;
      case 'object':
        if (!isObject(value)) {
          if (!shape.reportedElsewhere) this.wrong(path, where, shape, value);
          return;
        }
        this.fields(value, shape.fields, path, where);
        if (shape.required)
          for (const key of shape.required)
            if (value[key] === undefined || value[key] === null)
              this.problems.push({ path: `${path}/${key}`, message: `${childWhere(where, key)} is missing: it must be ${describe(shape.fields[key])}` });
        return;
    }
  }

  fields(value: JsonObject, fields: Readonly<Record<string, Shape>>, path: string, where: string): void {
    for (const key in fields) {
      const v = value[key];
      if (v !== undefined && v !== null) this.check(v, fields[key], `${path}/${key}`, childWhere(where, key));
    }
  }
}

/**
 * Fields of the wrong type in the object (outside what podShapeProblems checks), each with the
 * JSON Pointer of the offending field and a message naming its dotted path and expected type.
 */
export function shapeProblems(resource: Pick<Resource, 'kind' | 'object'> & { apiVersion?: string }): ShapeProblem[] {
  const walker = new Walker();
  const root = resource.object;
  if (isObject(root.metadata)) walker.fields(root.metadata, METADATA_FIELDS, '/metadata', 'metadata');
  if (isBuiltinApiVersion(resource.apiVersion)) {
    const fields = KIND_FIELDS.get(resource.kind);
    if (fields) walker.fields(root, fields, '', '');
  }
  for (const c of containers(resource)) {
    const container = c.container;
    if (container.env === undefined && container.ports === undefined && container.envFrom === undefined && typeof container.name === 'string') continue;
    const where = `${c.pod.path.slice(1).replace(/\//g, '.')}.${c.type}[${c.path.slice(c.path.lastIndexOf('/') + 1)}]`;
    walker.check(container.name, STRING, `${c.path}/name`, `${where}.name`);
    // Wrong types of the lists themselves are podShapeProblems' to report.
    if (Array.isArray(container.env)) walker.check(container.env, CONTAINER_ENV, `${c.path}/env`, `${where}.env`);
    if (Array.isArray(container.envFrom)) walker.check(container.envFrom, CONTAINER_ENV_FROM, `${c.path}/envFrom`, `${where}.envFrom`);
    if (Array.isArray(container.ports)) walker.check(container.ports, CONTAINER_PORTS, `${c.path}/ports`, `${where}.ports`);
  }
  return walker.problems;
}
