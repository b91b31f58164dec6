import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detailText, evaluate, labelErrors, levelOf } from './policy.js';

const c = (name: string, securityContext?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name,
  image: 'busybox',
  ...(securityContext ? { securityContext } : {}),
  ...extra,
});
const RESTRICTED_OK = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

test('a privileged container in restricted fails the checks in upstream order with its details', () => {
  const spec = { containers: [c('c', { privileged: true })] };
  assert.equal(
    detailText(evaluate('restricted', {}, spec)),
    'privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  assert.equal(
    detailText(evaluate('baseline', {}, spec)),
    'privileged (container "c" must not set securityContext.privileged=true)',
  );
  assert.deepEqual(evaluate('privileged', {}, spec), []);
});

test('baseline: host namespaces, hostPath, hostPort, capabilities, sysctls; restricted: volumes, runAsUser, pod-level settings', () => {
  const spec = {
    hostNetwork: true,
    hostPID: true,
    volumes: [
      { name: 'h', hostPath: { path: '/' } },
      { name: 'e', emptyDir: {} },
      { name: 'n', nfs: { server: 'x', path: '/' } },
    ],
    securityContext: {
      sysctls: [
        { name: 'kernel.msgmax', value: '1' },
        { name: 'net.ipv4.tcp_syncookies', value: '1' },
      ],
    },
    containers: [
      c('a', { capabilities: { add: ['NET_ADMIN', 'CHOWN'] } }, { ports: [{ containerPort: 80, hostPort: 8080 }] }),
      c('b', { runAsUser: 0 }),
    ],
  };
  assert.equal(
    detailText(evaluate('baseline', {}, spec)),
    'host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "h"), hostPort (container "a" uses hostPort 8080), forbidden sysctls (kernel.msgmax), non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add)',
  );
  const r = detailText(evaluate('restricted', {}, spec));
  assert.match(
    r,
    /unrestricted capabilities \(containers "a", "b" must set securityContext.capabilities.drop=\["ALL"\]; container "a" must not include "CHOWN", "NET_ADMIN" in securityContext.capabilities.add\)/,
  );
  assert.match(r, /restricted volume types \(volumes \["h" "n"\] have restricted types\)/);
  assert.match(r, /runAsUser=0 \(container "b" must not set runAsUser=0\)/);
  const good = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      c('x', { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }),
    ],
    volumes: [{ name: 'p', projected: { sources: [] } }],
  };
  assert.deepEqual(evaluate('restricted', {}, good), []);
  assert.deepEqual(evaluate('restricted', {}, { containers: [c('x', RESTRICTED_OK)] }), []);
  const explicit = {
    securityContext: { runAsNonRoot: false },
    containers: [c('x', { ...RESTRICTED_OK, runAsNonRoot: undefined, seccompProfile: { type: 'Unconfined' } })],
  };
  assert.equal(
    detailText(evaluate('restricted', {}, explicit)),
    'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), seccompProfile (container "x" must not set securityContext.seccompProfile.type to "Unconfined")',
  );
});

test('namespace labels: levels and versions, invalid values named with their field', () => {
  assert.deepEqual(levelOf(undefined, 'enforce'), { level: 'privileged', version: 'latest' });
  assert.deepEqual(
    levelOf(
      { 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/warn-version': 'v1.28' },
      'warn',
    ),
    { level: 'baseline', version: 'v1.28' },
  );
  assert.deepEqual(
    labelErrors({ 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/audit-version': '1.2' }),
    [
      'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1.2": must be "latest" or "v1.<minor>"',
    ],
  );
});
