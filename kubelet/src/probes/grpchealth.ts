/**
 * grpc.health.v1.Health/Check with a hand-written two-field codec (no .proto file needed):
 * request `string service = 1`, response `ServingStatus status = 1` (SERVING = 1).
 */
import * as grpc from '@grpc/grpc-js';
import type { ProbeOutcome } from './prober.js';

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

export function encodeHealthRequest(service: string): Buffer {
  if (!service) return Buffer.alloc(0);
  const s = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a, ...varint(s.length)]), s]);
}

/** The status field of a HealthCheckResponse (0 when absent); other fields are skipped. */
export function decodeHealthStatus(b: Buffer): number {
  let i = 0;
  const readVarint = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const byte = b[i++];
      if (byte === undefined) throw new Error('truncated varint');
      n += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return n;
      shift += 7;
    }
  };
  let status = 0;
  while (i < b.length) {
    const tag = readVarint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const v = readVarint();
      if (field === 1) status = v;
    } else if (wire === 2) {
      const len = readVarint();
      i += len;
    }
    else if (wire === 5) i += 4;
    else if (wire === 1) i += 8;
    else throw new Error(`unsupported wire type ${wire}`);
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
      responseSerialize: (v: number) => Buffer.from([0x08, ...varint(v)]),
      responseDeserialize: (b: Buffer) => decodeHealthStatus(b),
    },
  },
  'grpc.health.v1.Health',
);

interface CheckClient {
  Check(req: string, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, status?: number) => void): void;
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
          if (err.code === grpc.status.DEADLINE_EXCEEDED) resolve({ ok: false, output: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` });
          else if (err.code === grpc.status.UNAVAILABLE) resolve({ ok: false, output: `timeout: failed to connect service "${addr}" within ${timeoutMs / 1000}s: ${err.details}` });
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
