import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { LAB_LEADER_ELECTION, leaderElectionConfig, parseDuration } from './leaderelection-config.js';

describe('leader election settings', () => {
  it('defaults: enabled, lab timings shorter than upstream 15 s / 10 s / 2 s, kube-system, hostname_uuid', () => {
    const c = leaderElectionConfig('kube-scheduler', {});
    assert.equal(c.enabled, true);
    assert.deepEqual(
      { leaseDurationMs: c.leaseDurationMs, renewDeadlineMs: c.renewDeadlineMs, retryPeriodMs: c.retryPeriodMs },
      LAB_LEADER_ELECTION,
    );
    assert.ok(c.leaseDurationMs < 15_000 && c.renewDeadlineMs < 10_000 && c.retryPeriodMs < 2_000);
    assert.equal(c.namespace, 'kube-system');
    assert.equal(c.name, 'kube-scheduler');
    assert.match(c.identity, new RegExp(`^${hostname()}_[0-9a-f-]{36}$`));
    assert.notEqual(leaderElectionConfig('x', {}).identity, c.identity, 'a new identity per process');
  });

  it('reads the environment', () => {
    const c = leaderElectionConfig('kube-scheduler', {
      KUBELAB_LEADER_ELECT: 'false',
      KUBELAB_LEADER_ELECT_LEASE_DURATION: '15s',
      KUBELAB_LEADER_ELECT_RENEW_DEADLINE: '10',
      KUBELAB_LEADER_ELECT_RETRY_PERIOD: '2000ms',
      KUBELAB_LEADER_ELECT_RESOURCE_NAME: 'my-scheduler',
      KUBELAB_LEADER_ELECT_IDENTITY: 'me',
    });
    assert.deepEqual(c, {
      enabled: false,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      namespace: 'kube-system',
      name: 'my-scheduler',
      identity: 'me',
    });
  });

  it('refuses bad values with the variable named', () => {
    assert.throws(
      () => leaderElectionConfig('s', { KUBELAB_LEADER_ELECT: 'yes' }),
      /KUBELAB_LEADER_ELECT: Invalid value: "yes": must be true or false/,
    );
    assert.throws(
      () => leaderElectionConfig('s', { KUBELAB_LEADER_ELECT_RETRY_PERIOD: 'soon' }),
      /KUBELAB_LEADER_ELECT_RETRY_PERIOD: Invalid value: "soon"/,
    );
    assert.throws(
      () => leaderElectionConfig('s', { KUBELAB_LEADER_ELECT_RENEW_DEADLINE: '9s' }),
      /KUBELAB_LEADER_ELECT_\*: leader election: leaseDuration must be greater than renewDeadline/,
    );
  });

  it('parses Go-style durations', () => {
    assert.equal(parseDuration('x', '1m30s'), 90_000);
    assert.equal(parseDuration('x', '1.5s'), 1_500);
    assert.equal(parseDuration('x', '250ms'), 250);
    assert.throws(() => parseDuration('x', '5 s'), /x: Invalid value/);
  });
});
