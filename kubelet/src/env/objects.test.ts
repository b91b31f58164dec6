import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import { ApiEnvObjects, type EnvApi } from './objects.js';

/** An API whose objects can be changed, deleted, or made unreachable. */
class FlakyApi implements EnvApi {
  readonly objects = new Map<string, KubeObject>();
  down = false;
  calls = 0;

  private check(): void {
    this.calls++;
    if (this.down) throw new Error('No connection established. Last error: connect ECONNREFUSED 10.0.0.3:7000');
  }

  get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T> {
    this.check();
    const o = this.objects.get(`${resource}/${namespace}/${name}`);
    if (!o) return Promise.reject(new ApiError('NotFound', `${resource} "${name}" not found`));
    return Promise.resolve(structuredClone(o) as T);
  }

  list<T extends KubeObject>(resource: string, opts: { namespace?: string } = {}): Promise<{ items: T[] }> {
    this.check();
    const prefix = `${resource}/${opts.namespace ?? ''}/`;
    return Promise.resolve({
      items: [...this.objects].filter(([k]) => k.startsWith(prefix)).map(([, o]) => structuredClone(o) as T),
    });
  }
}

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data } as KubeObject;
}

describe('ApiEnvObjects while the apiserver is away', () => {
  it('answers with the last ConfigMap read when the API cannot be reached', async () => {
    const api = new FlakyApi();
    api.objects.set('configmaps/ns/cfg', configMap('cfg', { a: '1' }));
    const objs = new ApiEnvObjects(api);
    assert.deepEqual(await objs.configMap('ns', 'cfg'), { a: '1' });
    api.objects.set('configmaps/ns/cfg', configMap('cfg', { a: '2' }));
    assert.deepEqual(await objs.configMap('ns', 'cfg'), { a: '2' }, 'a reachable API is always asked');
    api.down = true;
    assert.deepEqual(await objs.configMap('ns', 'cfg'), { a: '2' });
  });

  it('fails when the object was never read, and for other objects', async () => {
    const api = new FlakyApi();
    api.objects.set('configmaps/ns/cfg', configMap('cfg', { a: '1' }));
    const objs = new ApiEnvObjects(api);
    await objs.configMap('ns', 'cfg');
    api.down = true;
    await assert.rejects(objs.configMap('ns', 'other'), /ECONNREFUSED/);
    await assert.rejects(objs.secret('ns', 'cfg'), /ECONNREFUSED/, 'a Secret of the same name is another object');
  });

  it('forgets an object the API said is gone', async () => {
    const api = new FlakyApi();
    api.objects.set('secrets/ns/s', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'ns' },
      data: { k: Buffer.from('v').toString('base64') },
    } as KubeObject);
    const objs = new ApiEnvObjects(api);
    assert.deepEqual(await objs.secret('ns', 's'), { k: 'v' });
    api.objects.delete('secrets/ns/s');
    assert.equal(await objs.secret('ns', 's'), undefined);
    api.down = true;
    await assert.rejects(objs.secret('ns', 's'), /ECONNREFUSED/, 'a deleted object is not brought back');
  });

  it('keeps the services of a namespace, and single services', async () => {
    const api = new FlakyApi();
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'ns' },
      spec: { clusterIP: '10.0.0.9', ports: [{ port: 80 }] },
    } as KubeObject;
    api.objects.set('services/ns/web', svc);
    const objs = new ApiEnvObjects(api);
    assert.equal((await objs.services('ns')).length, 1);
    assert.equal((await objs.service('ns', 'web'))?.spec.clusterIP, '10.0.0.9');
    api.down = true;
    assert.deepEqual(
      (await objs.services('ns')).map((s) => s.metadata.name),
      ['web'],
    );
    assert.equal((await objs.service('ns', 'web'))?.spec.clusterIP, '10.0.0.9');
    await assert.rejects(objs.services('other'), /ECONNREFUSED/);
  });
});
