import type { Resource } from '../core/types.js';

/** All resources of a run, indexed so cross-object rules never scan everything against everything. */
export class ResourceSet {
  readonly all: readonly Resource[];
  private readonly byKind = new Map<string, Resource[]>();
  private readonly byNamespace = new Map<string, Resource[]>();
  private readonly byIdentity = new Map<string, Resource>();

  constructor(resources: readonly Resource[]) {
    this.all = resources;
    for (const r of resources) {
      push(this.byKind, r.kind, r);
      push(this.byNamespace, r.namespace ?? '', r);
      const id = identity(r.kind, r.namespace, r.name);
      if (!this.byIdentity.has(id)) this.byIdentity.set(id, r);
    }
  }

  ofKind(kind: string): readonly Resource[] {
    return this.byKind.get(kind) ?? [];
  }

  inNamespace(namespace: string): readonly Resource[] {
    return this.byNamespace.get(namespace) ?? [];
  }

  find(kind: string, namespace: string | undefined, name: string): Resource | undefined {
    return this.byIdentity.get(identity(kind, namespace, name));
  }

  get size(): number {
    return this.all.length;
  }
}

function identity(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}\u0000${namespace ?? ''}\u0000${name}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
