import type { Resource } from './types.js';

/** All resources of a run, indexed so cross-object rules never scan everything against everything. */
export class ResourceSet {
  readonly all: readonly Resource[];
  private readonly byKind = new Map<string, Resource[]>();
  private readonly byNamespace = new Map<string, Resource[]>();

  constructor(resources: readonly Resource[]) {
    this.all = resources;
    for (const r of resources) {
      push(this.byKind, r.kind, r);
      push(this.byNamespace, r.namespace ?? '', r);
    }
  }

  ofKind(kind: string): readonly Resource[] {
    return this.byKind.get(kind) ?? [];
  }

  inNamespace(namespace: string): readonly Resource[] {
    return this.byNamespace.get(namespace) ?? [];
  }

  find(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.ofKind(kind).find((r) => r.name === name && (r.namespace ?? '') === (namespace ?? ''));
  }

  get size(): number {
    return this.all.length;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
