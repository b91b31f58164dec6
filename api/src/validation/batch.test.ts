import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '@kubelab/proto';
import type { KubeObject } from '../types.js';
import { applyDefaults } from '../defaults/index.js';
import { assertValid, fieldErrorString, validateObject } from './index.js';
import { cronScheduleError } from './cron.js';

const tmpl = (labels: Record<string, string>, restartPolicy?: string): Record<string, unknown> => ({
  metadata: { labels },
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'kubelab/busybox' }] },
});

const errs = (resource: string, obj: KubeObject, old?: KubeObject): string[] =>
  validateObject(resource, obj, old).map(fieldErrorString);

function job(restartPolicy?: string): KubeObject {
  return applyDefaults('jobs', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default' },
    spec: { selector: { matchLabels: { j: 'pi' } }, template: tmpl({ j: 'pi' }, restartPolicy) },
  });
}

test('Job defaults and restartPolicy OnFailure/Never', () => {
  const j = job('Never');
  assert.deepEqual(
    [j.spec].map((s) => {
      const x = s as Record<string, unknown>;
      return [x.completions, x.parallelism, x.backoffLimit, x.completionMode, x.suspend];
    })[0],
    [1, 1, 6, 'NonIndexed', false],
  );
  assert.deepEqual(errs('jobs', j), []);
  assert.deepEqual(errs('jobs', job()), [
    'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
  ]);
  const bad = job('OnFailure');
  (bad.spec as Record<string, unknown>).parallelism = -1;
  assert.deepEqual(errs('jobs', bad), ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0']);
  const e = (() => {
    try {
      assertValid('jobs', job());
    } catch (err) {
      return err as ApiError;
    }
    return undefined;
  })();
  assert.match(e!.message, /^Job\.batch "pi" is invalid: /);
});

test('Job template is immutable unless suspended', () => {
  const old = job('Never');
  const next = structuredClone(old);
  (next.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image =
    'other';
  assert.ok(
    errs('jobs', next, old).some(
      (m) => m.startsWith('spec.template: Invalid value') && m.endsWith('field is immutable'),
    ),
  );
});

function cronjob(schedule: string, extra: Record<string, unknown> = {}): KubeObject {
  return applyDefaults('cronjobs', {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default' },
    spec: { schedule, jobTemplate: { spec: { template: tmpl({}, 'OnFailure') } }, ...extra },
  });
}

test('CronJob schedule syntax, time zone, concurrency policy, name length', () => {
  const ok = cronjob('*/1 * * * *');
  assert.deepEqual(errs('cronjobs', ok), []);
  const spec = ok.spec as Record<string, unknown>;
  assert.deepEqual(
    [spec.concurrencyPolicy, spec.suspend, spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit],
    ['Allow', false, 3, 1],
  );
  assert.deepEqual(errs('cronjobs', cronjob('@hourly')), []);
  assert.deepEqual(errs('cronjobs', cronjob('bad')), [
    'spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]',
  ]);
  assert.deepEqual(errs('cronjobs', cronjob('61 * * * *')), [
    'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
  ]);
  assert.deepEqual(errs('cronjobs', cronjob('TZ=UTC 0 * * * *')), [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
  assert.deepEqual(errs('cronjobs', cronjob('0 * * * *', { timeZone: 'Mars/Base' })), [
    'spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base',
  ]);
  assert.deepEqual(errs('cronjobs', cronjob('0 * * * *', { concurrencyPolicy: 'Sometimes' })), [
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  ]);
  const long = cronjob('0 * * * *');
  long.metadata.name = 'x'.repeat(53);
  assert.ok(
    errs('cronjobs', long).includes(
      `metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`,
    ),
  );
  assert.equal(cronScheduleError('0 0 * JAN-MAR MON'), undefined);
  assert.equal(cronScheduleError('@weekly'), undefined);
  assert.equal(cronScheduleError('@sometimes'), 'unrecognized descriptor: @sometimes');
});

test('DaemonSet / StatefulSet: selector must match template labels; StatefulSet spec mostly immutable', () => {
  const ds = applyDefaults('daemonsets', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'a', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'a' } }, template: tmpl({ app: 'b' }) },
  });
  assert.deepEqual(errs('daemonsets', ds), [
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
  ]);
  const sts = applyDefaults('statefulsets', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'w', namespace: 'default' },
    spec: { serviceName: 'w', selector: { matchLabels: { app: 'w' } }, template: tmpl({ app: 'w' }) },
  });
  assert.deepEqual(errs('statefulsets', sts), []);
  assert.equal((sts.spec as Record<string, unknown>).podManagementPolicy, 'OrderedReady');
  const next = structuredClone(sts);
  (next.spec as Record<string, unknown>).serviceName = 'other';
  assert.deepEqual(errs('statefulsets', next, sts), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
  (next.spec as Record<string, unknown>).serviceName = 'w';
  (next.spec as Record<string, unknown>).replicas = 5;
  assert.deepEqual(errs('statefulsets', next, sts), []);
});

test('ConfigMap / Secret keys; Secret type defaults to Opaque and stringData becomes base64 data', () => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'default' },
    data: { 'good.key': 'v', 'bad key': 'v' },
  };
  assert.deepEqual(errs('configmaps', applyDefaults('configmaps', cm)), [
    "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
  ]);
  const s = applyDefaults('secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'default' },
    data: { a: 'eA==' },
    stringData: { password: 's3cr3t' },
  } as KubeObject);
  assert.equal(s['type'], 'Opaque');
  assert.deepEqual(s['data'], { a: 'eA==', password: Buffer.from('s3cr3t').toString('base64') });
  assert.equal(s['stringData'], undefined);
  assert.deepEqual(errs('secrets', s), []);
  const tls = applyDefaults('secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 't', namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: {},
  } as KubeObject);
  assert.deepEqual(errs('secrets', tls), ['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
  const changed = structuredClone(s);
  changed['type'] = 'kubernetes.io/basic-auth';
  assert.ok(
    errs('secrets', changed, s).includes('type: Invalid value: "kubernetes.io/basic-auth": field is immutable'),
  );
});
