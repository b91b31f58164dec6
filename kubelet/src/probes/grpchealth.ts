/**
 * grpc.health.v1.Health/Check with a two-field codec over the project's wire module (no .proto
 * file needed): request `string service = 1`, response `ServingStatus status = 1` (SERVING = 1).
 */
import * as grpc from '@grpc/grpc-js';
import { Reader, WIRE_VARINT, Writer } from '@kubelab/proto/wire';
import type { ProbeOutcome } from './prober.js';

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

export function encodeHealthRequest(service: string): Buffer {
  return service ? new Writer().string(1, service).finish() : Buffer.alloc(0);
}

/** The status field of a HealthCheckResponse (0 when absent); other fields are skipped. */
export function decodeHealthStatus(b: Buffer): number {
  const r = new Reader(b);
  let status = 0;
  while (!r.done) {
    const t = r.tag();
    if (t.field === 1 && t.wire === WIRE_VARINT) status = r.uint32();
    else r.skip(t.wire, t.field);
  }
  return status;
}

const HealthClient = grpc.makeGenericClientConstructor(
  {
    Check: {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: (v: string) => encodeHealthRequest(v),
      requestDeserialize: (b: Buffer) => b.toString('utf8'),
      responseSerialize: (v: number) => new Writer().uint(1, v).finish(),
      responseDeserialize: (b: Buffer) => decodeHealthStatus(b),
    },
  },
  'grpc.health.v1.Health',
);

interface CheckClient {
  Check(
    req: string,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, status?: number) => void,
  ): void;
}

export function grpcHealthCheck(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const client = new HealthClient(addr, grpc.credentials.createInsecure());
  return new Promise<ProbeOutcome>((resolve) => {
    const deadline = new Date(Date.now() + timeoutMs);
    (client as unknown as CheckClient).Check(
      service,
      new grpc.Metadata(),
      { deadline },
      (err: grpc.ServiceError | null, status?: number) => {
        if (err) {
          if (err.code === grpc.status.DEADLINE_EXCEEDED)
            resolve({ ok: false, output: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` });
          else if (err.code === grpc.status.UNAVAILABLE)
            resolve({
              ok: false,
              output: `timeout: failed to connect service "${addr}" within ${timeoutMs / 1000}s: ${err.details}`,
            });
          else resolve({ ok: false, output: `error: health rpc probe failed: ${err.message}` });
          return;
        }
        const s = status ?? 0;
        if (s === 1) resolve({ ok: true, output: '' });
        else resolve({ ok: false, output: `service unhealthy (responded with "${STATUS_NAMES[s] ?? String(s)}")` });
      },
    );
  }).finally(() => client.close());
}
