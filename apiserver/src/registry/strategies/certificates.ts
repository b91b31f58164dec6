/**
 * CertificateSigningRequests (pkg/registry/certificates/certificates/strategy.go): status is
 * cleared on create and the spec never changes after it (spec.username/uid/groups come from the
 * requesting user: admission, csr/requestor.ts). A `/status` write cannot touch the Approved and
 * Denied conditions and cannot replace a certificate once there; an `/approval` write changes
 * only the conditions. New conditions get their timestamps.
 */
import {
  invalidError,
  rfc3339,
  type CertificateSigningRequest,
  type CertificateSigningRequestCondition,
  type KubeObject,
} from '@kubelab/api';
import type { Strategy } from '../strategy.js';

const APPROVAL = new Set(['Approved', 'Denied']);
type Status = NonNullable<CertificateSigningRequest['status']>;
const statusOf = (o: KubeObject): Status => ((o as CertificateSigningRequest).status ?? {}) as Status;

function stamp(conditions: CertificateSigningRequestCondition[], now: string): CertificateSigningRequestCondition[] {
  return conditions.map((c) => ({
    ...c,
    lastUpdateTime: c.lastUpdateTime ?? now,
    lastTransitionTime: c.lastTransitionTime ?? now,
  }));
}

export const csrStrategy: Strategy = {
  prepareForCreate(obj) {
    delete obj.status;
  },
  prepareForUpdate(next, old) {
    next.spec = old.spec;
  },
  prepareForStatusUpdate(next, old, subresource) {
    const before = statusOf(old);
    const after = statusOf(next);
    const now = rfc3339(Date.now());
    let conditions: CertificateSigningRequestCondition[];
    const status: Status = { ...after };
    if (subresource === 'approval') {
      conditions = after.conditions ?? [];
      if (before.certificate === undefined) delete status.certificate;
      else status.certificate = before.certificate;
    } else {
      const kept = (before.conditions ?? []).filter((c) => APPROVAL.has(c.type));
      conditions = [...kept, ...(after.conditions ?? []).filter((c) => !APPROVAL.has(c.type))];
      if (before.certificate && after.certificate !== before.certificate) {
        throw invalidError('CertificateSigningRequest', 'certificates.k8s.io', old.metadata.name ?? '', [
          {
            type: 'FieldValueForbidden',
            field: 'status.certificate',
            hasValue: false,
            detail: 'updates may not modify existing certificate content',
          },
        ]);
      }
    }
    if (conditions.length) status.conditions = stamp(conditions, now);
    else delete status.conditions;
    next.spec = old.spec;
    next.status = status;
  },
};
