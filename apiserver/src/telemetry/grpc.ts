/** Counts and times every call of the components' gRPC API into ApiMetrics (component "grpc"). */
import * as grpc from '@grpc/grpc-js';
import type { ApiMetrics } from './requests.js';

function resourceOf(req: unknown): string {
  const r = req as {
    target?: { resource?: string };
    bindings?: unknown;
    creates?: { target?: { resource?: string } }[];
  };
  if (r?.target?.resource) return r.target.resource;
  if (r?.creates) return r.creates[0]?.target?.resource ?? '';
  return r && ('nodeName' in r || 'bindings' in r) ? 'pods' : '';
}

const codeName = (code: number | undefined): string => grpc.status[code ?? grpc.status.UNKNOWN] ?? String(code);

export function measuredHandlers(
  definition: grpc.ServiceDefinition,
  handlers: grpc.UntypedServiceImplementation,
  metrics: ApiMetrics,
): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    const method = definition[name];
    if (!method || method.requestStream) {
      out[name] = handler;
      continue;
    }
    if (!method.responseStream) {
      const unary = handler as grpc.handleUnaryCall<unknown, unknown>;
      out[name] = ((call, callback) => {
        const started = performance.now();
        unary(call, (err, ...rest) => {
          const code = err ? codeName((err as grpc.ServiceError).code) : 'OK';
          metrics.grpc(name, resourceOf(call.request), code, (performance.now() - started) / 1000);
          (callback as (...a: unknown[]) => void)(err, ...rest);
        });
      }) as grpc.handleUnaryCall<unknown, unknown>;
      continue;
    }
    const stream = handler as grpc.handleServerStreamingCall<unknown, unknown>;
    out[name] = ((call) => {
      const started = performance.now();
      let done = false;
      const record = (code: string): void => {
        if (done) return;
        done = true;
        metrics.grpc(name, resourceOf(call.request), code, (performance.now() - started) / 1000);
      };
      call.once('error', (err: grpc.ServiceError) => record(codeName(err.code)));
      call.once('finish', () => record('OK'));
      call.once('cancelled', () => record('CANCELLED'));
      stream(call);
    }) as grpc.handleServerStreamingCall<unknown, unknown>;
  }
  return out;
}
