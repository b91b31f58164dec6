/**
 * The apiserver's authorization chain and admission plugins, built over its registry: what both
 * front ends (REST, gRPC) enforce unless a test hands in its own.
 */
import type { Registry } from '../registry/types.js';
import type { AdmissionPlugin } from './admission.js';
import { type Authorizer, chainAuthorizers, mastersAuthorizer, publicPathsAuthorizer } from './authorizer.js';
import { nodeAuthorizer, registryGraph } from './node-authorizer.js';
import { nodeRestriction } from './node-restriction.js';
import { csrRequestor } from '../certificates/requestor.js';
import { certificateApproval } from '../certificates/approval.js';
import { type IndexSource, rbacAuthorizer } from './rbac/authorizer.js';
import { listingSource } from './rbac/cache.js';
import { rbacEscalation } from './rbac/escalation.js';
import { serviceAccountAdmission } from '../serviceaccount/admission.js';
import { podSecurityAdmission } from '../podsecurity/admission.js';
import pino, { type Logger } from 'pino';

const SILENT = pino({ level: 'silent' });

/**
 * The always-public paths (health, /version), system:masters, then the Node authorizer, then RBAC over the stored roles and bindings (the
 * bootstrap policy among them: rbac/reconcile.ts). `rbac`: an RbacCache's source (the apiserver's);
 * without one every request lists the RBAC objects afresh.
 */
export function defaultAuthorizer(registry: Registry, rbac: IndexSource = listingSource(registry)): Authorizer {
  return chainAuthorizers(
    publicPathsAuthorizer,
    mastersAuthorizer,
    nodeAuthorizer(registryGraph(registry)),
    rbacAuthorizer(rbac),
  );
}

export interface AdmissionChoices {
  /** The ServiceAccount plugin (needs the controller-manager's default ServiceAccounts): the apiserver's main turns it on. */
  serviceAccounts?: boolean;
  /** Where PodSecurity's audit-mode violations are logged (silent without). */
  log?: Logger;
}

export function defaultAdmission(
  authorizer: Authorizer,
  rbac: IndexSource,
  choices: AdmissionChoices = {},
): AdmissionPlugin[] {
  // Mutating first (upstream's order), then validating: PodSecurity sees the pod as it will be stored.
  const mutating = choices.serviceAccounts ? [serviceAccountAdmission()] : [];
  return [
    ...mutating,
    csrRequestor,
    certificateApproval(authorizer),
    nodeRestriction,
    rbacEscalation(authorizer, rbac),
    podSecurityAdmission(choices.log ?? SILENT),
  ];
}

/** What a front end needs to enforce: who may, and what writes must pass. */
export interface Enforcement {
  authorizer: Authorizer;
  admission: readonly AdmissionPlugin[];
}

export function defaultEnforcement(
  registry: Registry,
  rbac: IndexSource = listingSource(registry),
  choices: AdmissionChoices = {},
): Enforcement {
  const authorizer = defaultAuthorizer(registry, rbac);
  return { authorizer, admission: defaultAdmission(authorizer, rbac, choices) };
}
