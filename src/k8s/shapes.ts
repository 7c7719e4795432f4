/**
 * The JSON types of the fields kshield's rules and commands read, for the kinds they judge. A
 * field of the wrong type (`verbs: "*"`, `ports: "80"`) is rejected by the API server, and the
 * rules, which read every field through the safe readers of values.ts, would silently skip it:
 * a finding lost without a word. The loader reports each one as an input error instead.
 *
 * Only the fields in these tables are walked, so the check costs a few property reads per object.
 * Pod specs are checked by podShapeProblems (pods.ts); here only what it leaves out of containers.
 */
import type { JsonObject, Resource } from '../core/types.js';
import { containers, isBuiltinApiVersion, typeName, type ShapeProblem } from './pods.js';
import { escapePointerToken } from '../core/pointer.js';
import { isObject } from '../core/values.js';

type ShapeType = 'string' | 'integer' | 'intOrString' | 'boolean' | 'stringMap' | 'list' | 'object';

/**
 * One expected type. Every shape has every property (one hidden class), so the walker's property
 * reads stay monomorphic: with a union of object literals they measured twice as slow.
 */
interface Shape {
  readonly type: ShapeType;
  /** string: the allowed values. */
  readonly oneOf: readonly string[] | undefined;
  /** list: the items' shape. */
  readonly item: Shape | undefined;
  /** object: the fields walked, as parallel arrays. */
  readonly keys: readonly string[];
  readonly shapes: readonly Shape[];
  readonly required: readonly string[];
  /** A wrong type here is already reported elsewhere (pod spec paths): only look inside. */
  readonly reportedElsewhere: boolean;
  /** stringMap: the values are judged elsewhere (labels: the invalid-label rule). */
  readonly valuesJudgedElsewhere: boolean;
}

function shape(type: ShapeType, options: Partial<Omit<Shape, 'type' | 'keys' | 'shapes'>> & { fields?: Record<string, Shape> } = {}): Shape {
  return {
    type,
    oneOf: options.oneOf,
    item: options.item,
    keys: options.fields ? Object.keys(options.fields) : [],
    shapes: options.fields ? Object.values(options.fields) : [],
    required: options.required ?? [],
    reportedElsewhere: options.reportedElsewhere ?? false,
    valuesJudgedElsewhere: options.valuesJudgedElsewhere ?? false,
  };
}

const STRING = shape('string');
const INTEGER = shape('integer');
const INT_OR_STRING = shape('intOrString');
const BOOLEAN = shape('boolean');
const STRING_MAP = shape('stringMap');
/**
 * Labels of objects and pod templates: their values (numbers, booleans, syntax) are the
 * invalid-label rule's findings, with the key's position; here only the mapping itself.
 */
const LABELS = shape('stringMap', { valuesJudgedElsewhere: true });
const STRINGS = shape('list', { item: STRING });
const oneOf = (...values: string[]): Shape => shape('string', { oneOf: values });
const listOf = (item: Shape): Shape => shape('list', { item });
const object = (fields: Record<string, Shape>, required?: string[]): Shape => shape('object', { fields, required });
/** A mapping whose wrong type podShapeProblems reports already (it lies on a fixed pod spec path). */
const podPathObject = (fields: Record<string, Shape>): Shape => shape('object', { fields, reportedElsewhere: true });
/** Wrong types of a container's lists are podShapeProblems' to report; here only their items. */
const itemsOnly = (list: Shape): Shape => ({ ...list, reportedElsewhere: true });

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
const KIND_FIELDS_TABLE: [string, Record<string, Shape>][] = [
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
];
const KIND_FIELDS = new Map(KIND_FIELDS_TABLE.map(([kind, fields]) => [kind, object(fields)]));
const METADATA = object(METADATA_FIELDS);

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
const CONTAINER = object({ name: STRING, env: itemsOnly(CONTAINER_ENV), envFrom: itemsOnly(CONTAINER_ENV_FROM), ports: itemsOnly(CONTAINER_PORTS) });

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
      return shape.item?.type === 'string' && !shape.item.oneOf ? 'a list of strings' : shape.item?.type === 'object' ? 'a list of mappings' : 'a list';
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

/** Maps of strings are the bulk of the input (annotations, ConfigMap data): the fast path skips keys. */
function allStrings(map: JsonObject): boolean {
  for (const v of Object.values(map)) if (typeof v !== 'string' && v !== null) return false;
  return true;
}

/**
 * Walks values against shapes. The position is kept as a stack of keys and indexes, turned into a
 * JSON Pointer and a dotted path only when something is wrong: valid input (nearly all of it)
 * builds no strings.
 */
class Walker {
  readonly problems: ShapeProblem[] = [];
  private readonly tokens: (string | number)[] = [];
  private basePath = '';
  private baseWhere: string | (() => string) = '';

  /** Where the keys pushed from now on are relative to (the dotted form computed only if needed). */
  at(basePath: string, baseWhere: string | (() => string)): this {
    this.basePath = basePath;
    this.baseWhere = baseWhere;
    return this;
  }

  private report(extra: string | undefined, message: (where: string) => string): void {
    let path = this.basePath;
    let where = typeof this.baseWhere === 'string' ? this.baseWhere : this.baseWhere();
    const tokens = extra === undefined ? this.tokens : [...this.tokens, extra];
    for (const t of tokens) {
      path += '/' + escapePointerToken(t);
      where = typeof t === 'number' ? `${where}[${t}]` : childWhere(where, t);
    }
    this.problems.push({ path, message: message(where) });
  }

  /** Never quotes the value: a misplaced value may be a secret (stringData: "..."). */
  private wrong(shape: Shape, value: unknown, extra?: string): void {
    let but: string;
    if (shape.type === 'string' && shape.oneOf && typeof value === 'string') but = 'another string';
    else {
      but = typeName(value);
      if (typeof value === 'string' && (shape.type === 'integer' || shape.type === 'boolean') && /^\s*(-?\d+|true|false)\s*$/.test(value)) but += ' (remove the quotes)';
    }
    this.report(extra, (where) => `${where} must be ${describe(shape)}, but is ${but}`);
  }

  check(value: unknown, shape: Shape): void {
    if (value === undefined || value === null) return; // the API server treats null as absent
    switch (shape.type) {
      case 'string':
        if (typeof value !== 'string' || (shape.oneOf !== undefined && !shape.oneOf.includes(value))) this.wrong(shape, value);
        return;
      case 'integer':
        if (!Number.isInteger(value)) this.wrong(shape, value);
        return;
      case 'intOrString':
        if (typeof value !== 'string' && !Number.isInteger(value)) this.wrong(shape, value);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.wrong(shape, value);
        return;
      case 'stringMap':
        if (!isObject(value)) return this.wrong(shape, value);
        if (shape.valuesJudgedElsewhere || allStrings(value)) return;
        for (const key of Object.keys(value)) {
          const v = value[key];
          if (typeof v !== 'string' && v !== null) this.wrong(STRING, v, key);
        }
        return;
      case 'list':
        if (!Array.isArray(value)) {
          if (!shape.reportedElsewhere) this.wrong(shape, value);
          return;
        }
        for (let i = 0; i < value.length; i++) {
          this.tokens.push(i);
          this.check(value[i], shape.item!);
          this.tokens.pop();
        }
        return;
      case 'object':
        if (!isObject(value)) {
          if (!shape.reportedElsewhere) this.wrong(shape, value);
          return;
        }
        this.fields(value, shape);
        for (const key of shape.required)
          if (value[key] === undefined || value[key] === null) this.report(key, (where) => `${where} is missing: it must be ${describe(shape.shapes[shape.keys.indexOf(key)])}`);
        return;
    }
  }

  /** The fields of an object shape, in a value already known to be a mapping. */
  fields(value: JsonObject, shape: Shape): void {
    const keys = shape.keys;
    for (let i = 0; i < keys.length; i++) {
      const v = value[keys[i]];
      if (v === undefined || v === null) continue;
      this.tokens.push(keys[i]);
      this.check(v, shape.shapes[i]);
      this.tokens.pop();
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
  if (isObject(root.metadata)) walker.at('/metadata', 'metadata').fields(root.metadata, METADATA);
  if (isBuiltinApiVersion(resource.apiVersion)) {
    const fields = KIND_FIELDS.get(resource.kind);
    if (fields) walker.at('', '').fields(root, fields);
  }
  for (const c of containers(resource)) {
    const container = c.container;
    if (container.env === undefined && container.ports === undefined && container.envFrom === undefined && typeof container.name === 'string') continue;
    walker.at(c.path, () => `${c.pod.path.slice(1).replace(/\//g, '.')}.${c.type}[${c.path.slice(c.path.lastIndexOf('/') + 1)}]`);
    walker.fields(container, CONTAINER);
  }
  return walker.problems;
}
