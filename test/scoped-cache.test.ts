import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScopedCache, withCacheScope } from '../src/core/scoped-cache.js';
import { podSpecs } from '../src/k8s/pods.js';

describe('ScopedCache', () => {
  test('a value set in a scope is seen in that scope only', () => {
    const cache = new ScopedCache<object, string>();
    const key = {};
    withCacheScope(() => {
      cache.set(key, 'first');
      assert.equal(cache.get(key), 'first');
    });
    withCacheScope(() => assert.equal(cache.get(key), undefined));
    assert.equal(cache.get(key), undefined, 'nor outside any scope');
  });

  test('an inner scope starts empty and the outer one is back when it returns or throws', () => {
    const cache = new ScopedCache<object, number>();
    const key = {};
    withCacheScope(() => {
      cache.set(key, 1);
      withCacheScope(() => {
        assert.equal(cache.get(key), undefined);
        cache.set(key, 2);
      });
      assert.equal(cache.get(key), 1);
      assert.throws(() =>
        withCacheScope(() => {
          throw new Error('rule failed');
        }),
      );
      assert.equal(cache.get(key), 1);
    });
  });

  test('outside a scope values live as long as their key', () => {
    const cache = new ScopedCache<object, string>();
    const key = {};
    cache.set(key, 'kept');
    assert.equal(cache.get(key), 'kept');
    withCacheScope(() => assert.equal(cache.get(key), undefined));
    assert.equal(cache.get(key), 'kept');
  });

  test('caches are separate per ScopedCache', () => {
    const a = new ScopedCache<object, string>();
    const b = new ScopedCache<object, string>();
    const key = {};
    withCacheScope(() => {
      a.set(key, 'a');
      assert.equal(b.get(key), undefined);
    });
  });

  test('pod spec views are computed once per scope, and again in the next one', () => {
    const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };
    const resource = { kind: 'Pod', apiVersion: 'v1', object };
    const [first, again] = withCacheScope(() => [podSpecs(resource), podSpecs(resource)]);
    assert.equal(first, again);
    const next = withCacheScope(() => podSpecs(resource));
    assert.notEqual(next, first);
    assert.deepEqual(next, first);
  });
});
