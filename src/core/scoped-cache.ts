/**
 * Caches of values derived from the objects of one evaluation (a pod spec's views, a ResourceSet's
 * indexes), dropped with the evaluation.
 *
 * Why not a module-level WeakMap: V8's young-generation collector keeps the value of every entry
 * of a long-lived WeakMap alive through the scavenge that finds it, even when its key is already
 * garbage, and lets it go only afterwards. The admission webhook judges a thousand objects a second,
 * each adding entries; measured under `npm run bench:webhook`, some 750 KB of such values were copied by
 * every scavenge (1.5-2 ms pauses instead of 0.5 ms), and the steady survival made V8 allocate the
 * sites' later objects directly in the old generation, where they kept young objects alive in turn
 * and brought a full collection every second or so. A WeakMap made for one evaluation dies with it,
 * entries and all, so nothing outlives the request.
 *
 * Outside a scope (a command that asks the same question of a long-lived object many times, such as
 * `kshield rbac`), a module-level WeakMap per cache keeps the values as long as their keys live.
 */

type Scope = Map<ScopedCache<object, unknown>, WeakMap<object, unknown>>;

let current: Scope | undefined;

/** Runs `work` (synchronous) with fresh caches, dropped when it returns. Scopes nest: the inner one starts empty. */
export function withCacheScope<T>(work: () => T): T {
  const outer = current;
  current = new Map();
  try {
    return work();
  } finally {
    current = outer;
  }
}

export class ScopedCache<K extends object, V> {
  private readonly unscoped = new WeakMap<K, V>();

  get(key: K): V | undefined {
    return this.map().get(key);
  }

  set(key: K, value: V): void {
    this.map().set(key, value);
  }

  /** Forgets `key` in the current scope and outside any scope (its value was made from what `key` no longer holds). */
  delete(key: K): void {
    this.unscoped.delete(key);
    if (current) (current.get(this as unknown as ScopedCache<object, unknown>) as WeakMap<K, V> | undefined)?.delete(key);
  }

  private map(): WeakMap<K, V> {
    if (!current) return this.unscoped;
    const self = this as unknown as ScopedCache<object, unknown>;
    let map = current.get(self) as WeakMap<K, V> | undefined;
    if (!map) current.set(self, (map = new WeakMap()) as WeakMap<object, unknown>);
    return map;
  }
}
