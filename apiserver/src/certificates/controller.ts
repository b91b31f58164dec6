/**
 * The CertificateSigningRequest controller inside the apiserver: auto-approval (approver.ts) and
 * signing of approved requests for the signers it serves (kube-apiserver-client-kubelet,
 * kube-apiserver-client) with the cluster CA, whose key only the apiserver holds. Upstream runs
 * both in the controller-manager; here they sit where the key and the authorizer are, so no CA
 * key leaves the apiserver and no SubjectAccessReview API is needed. Lists, then watches; every
 * apiserver runs one, and the writes are compare-and-swap, so a conflict means another did it.
 * A request the signer refuses gets a Failed condition (reason SignerValidationFailure).
 */
import type { Logger } from 'pino';
import { type CertificateSigningRequest, csrCondition, rfc3339 } from '@kubelab/api';
import { ApiError } from '@kubelab/proto';
import type { Authorizer } from '../auth/authorizer.js';
import type { Registry } from '../registry/types.js';
import { autoApproval } from './approver.js';
import { SIGNED_HERE } from './recognize.js';
import { type CertificateAuthority, type ParsedCsr, parseCsrPem, signCsr } from './signer.js';

const RESOURCE = 'certificatesigningrequests';
const YEAR = 365 * 24 * 3600;

export interface CsrControllerOptions {
  registry: Registry;
  authorizer: Authorizer;
  /** Without a CA only auto-approval runs. */
  ca?: CertificateAuthority;
  log: Logger;
  /** Longest validity signed (upstream's --cluster-signing-duration, 1 year). */
  maxSeconds?: number;
}

export class CsrController {
  constructor(private readonly o: CsrControllerOptions) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const page = await this.o.registry.list(RESOURCE, { namespace: '' });
        for (const csr of page.items) await this.sync(csr as CertificateSigningRequest);
        for await (const ev of this.o.registry.watch(
          RESOURCE,
          { namespace: '', resourceVersion: page.resourceVersion },
          signal,
        )) {
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') await this.sync(ev.object as CertificateSigningRequest);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof ApiError && err.reason === 'Expired'))
          this.o.log.warn({ err: (err as Error).message }, 'CSR watch failed; listing again');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Approves or signs one request if it is due; never throws. */
  async sync(csr: CertificateSigningRequest): Promise<void> {
    const name = csr.metadata.name ?? '';
    try {
      if (csrCondition(csr, 'Denied') || csrCondition(csr, 'Failed') || csr.status?.certificate) return;
      let parsed: ParsedCsr;
      try {
        parsed = parseCsrPem(Buffer.from(csr.spec.request, 'base64').toString('utf8'));
      } catch (err) {
        if (csrCondition(csr, 'Approved')) await this.fail(csr, `unable to parse csr: ${(err as Error).message}`);
        return;
      }
      if (!csrCondition(csr, 'Approved')) {
        const approval = await autoApproval(csr, parsed, this.o.authorizer);
        if (!approval) return;
        const now = rfc3339();
        await this.o.registry.updateStatus(
          RESOURCE,
          '',
          name,
          {
            ...csr,
            status: {
              ...csr.status,
              conditions: [
                ...(csr.status?.conditions ?? []),
                { ...approval, lastUpdateTime: now, lastTransitionTime: now },
              ],
            },
          },
          { subresource: 'approval' },
        );
        this.o.log.info({ csr: name, requestor: csr.spec.username }, 'CSR approved automatically');
        return; // signed on the MODIFIED event
      }
      await this.sign(csr, parsed);
    } catch (err) {
      if (err instanceof ApiError && (err.reason === 'Conflict' || err.reason === 'NotFound')) return;
      this.o.log.warn({ csr: name, err: (err as Error).message }, 'CSR not processed');
    }
  }

  private async sign(csr: CertificateSigningRequest, parsed: ParsedCsr): Promise<void> {
    const check = SIGNED_HERE[csr.spec.signerName];
    if (!check || !this.o.ca) return; // another signer's (or no CA here)
    const why = check(csr, parsed);
    if (why) return this.fail(csr, why);
    let pem: string;
    try {
      pem = await signCsr(this.o.ca, parsed, {
        usages: csr.spec.usages ?? [],
        ...(csr.spec.expirationSeconds ? { durationSeconds: csr.spec.expirationSeconds } : {}),
        maxSeconds: this.o.maxSeconds ?? YEAR,
      });
    } catch (err) {
      return this.fail(csr, (err as Error).message);
    }
    await this.o.registry.updateStatus(RESOURCE, '', csr.metadata.name ?? '', {
      ...csr,
      status: { ...csr.status, certificate: Buffer.from(pem).toString('base64') },
    });
    this.o.log.info({ csr: csr.metadata.name, signer: csr.spec.signerName, subject: parsed.commonName }, 'CSR signed');
  }

  private async fail(csr: CertificateSigningRequest, message: string): Promise<void> {
    const now = rfc3339();
    const failed = {
      type: 'Failed',
      status: 'True' as const,
      reason: 'SignerValidationFailure',
      message,
      lastUpdateTime: now,
      lastTransitionTime: now,
    };
    await this.o.registry.updateStatus(RESOURCE, '', csr.metadata.name ?? '', {
      ...csr,
      status: { ...csr.status, conditions: [...(csr.status?.conditions ?? []), failed] },
    });
    this.o.log.info({ csr: csr.metadata.name, reason: message }, 'CSR refused by the signer');
  }
}
