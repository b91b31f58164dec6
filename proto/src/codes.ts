/**
 * The one error type of kubelab, and the table that maps it between gRPC and Kubernetes.
 *
 * | what happened            | gRPC code          | Status reason      | HTTP |
 * |--------------------------|--------------------|--------------------|------|
 * | validation failed        | INVALID_ARGUMENT   | Invalid            | 422  |
 * | malformed request        | INVALID_ARGUMENT   | BadRequest         | 400  |
 * | object missing           | NOT_FOUND          | NotFound           | 404  |
 * | object exists            | ALREADY_EXISTS     | AlreadyExists      | 409  |
 * | stale resourceVersion    | ABORTED            | Conflict           | 409  |
 * | revision compacted       | OUT_OF_RANGE       | Expired            | 410  |
 * | media type unsupported   | INVALID_ARGUMENT   | UnsupportedMediaType | 415 |
 * | body or object too large | INVALID_ARGUMENT   | RequestEntityTooLarge | 413 |
 * | too many requests        | RESOURCE_EXHAUSTED | TooManyRequests    | 429  |
 * | etcd / peer down         | UNAVAILABLE        | ServiceUnavailable | 503  |
 * | deadline passed          | DEADLINE_EXCEEDED  | Timeout            | 504  |
 * | not allowed              | PERMISSION_DENIED  | Forbidden          | 403  |
 * | no credentials           | UNAUTHENTICATED    | Unauthorized       | 401  |
 * | method not supported     | UNIMPLEMENTED      | MethodNotAllowed   | 405  |
 * | anything else            | INTERNAL           | InternalError      | 500  |
 *
 * The reason travels in the gRPC trailer `k8s-reason`, the details in `k8s-details` (JSON), so
 * that an error crosses gRPC and comes out on the REST side exactly as it went in.
 */
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

export type StatusReason =
  | 'Invalid'
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'Forbidden'
  | 'Unauthorized'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'Gone'
  | 'InternalError';

interface ReasonInfo {
  grpc: GrpcStatus;
  http: number;
}

export const REASONS: Record<StatusReason, ReasonInfo> = {
  Invalid: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 422 },
  BadRequest: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 400 },
  NotFound: { grpc: GrpcStatus.NOT_FOUND, http: 404 },
  AlreadyExists: { grpc: GrpcStatus.ALREADY_EXISTS, http: 409 },
  Conflict: { grpc: GrpcStatus.ABORTED, http: 409 },
  Expired: { grpc: GrpcStatus.OUT_OF_RANGE, http: 410 },
  Gone: { grpc: GrpcStatus.OUT_OF_RANGE, http: 410 },
  UnsupportedMediaType: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 415 },
  // As etcd answers an oversized request (InvalidArgument): retrying the same bytes cannot succeed.
  RequestEntityTooLarge: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 413 },
  NotAcceptable: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 406 },
  TooManyRequests: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 429 },
  ServiceUnavailable: { grpc: GrpcStatus.UNAVAILABLE, http: 503 },
  Timeout: { grpc: GrpcStatus.DEADLINE_EXCEEDED, http: 504 },
  Forbidden: { grpc: GrpcStatus.PERMISSION_DENIED, http: 403 },
  Unauthorized: { grpc: GrpcStatus.UNAUTHENTICATED, http: 401 },
  MethodNotAllowed: { grpc: GrpcStatus.UNIMPLEMENTED, http: 405 },
  InternalError: { grpc: GrpcStatus.INTERNAL, http: 500 },
};

/** Default reason for a gRPC code that arrived without a `k8s-reason` trailer. */
const BY_GRPC: Partial<Record<number, StatusReason>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 'BadRequest',
  [GrpcStatus.NOT_FOUND]: 'NotFound',
  [GrpcStatus.ALREADY_EXISTS]: 'AlreadyExists',
  [GrpcStatus.ABORTED]: 'Conflict',
  [GrpcStatus.OUT_OF_RANGE]: 'Expired',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'TooManyRequests',
  [GrpcStatus.UNAVAILABLE]: 'ServiceUnavailable',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'Timeout',
  [GrpcStatus.PERMISSION_DENIED]: 'Forbidden',
  [GrpcStatus.UNAUTHENTICATED]: 'Unauthorized',
  [GrpcStatus.UNIMPLEMENTED]: 'MethodNotAllowed',
  [GrpcStatus.CANCELLED]: 'ServiceUnavailable',
};

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A Kubernetes `Status` object (kind: Status, apiVersion: v1). */
export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.reason = reason;
    this.details = details;
  }

  get httpCode(): number {
    return REASONS[this.reason].http;
  }

  get grpcCode(): GrpcStatus {
    return REASONS[this.reason].grpc;
  }

  /** Worth retrying as is: the peer or the store was away, or someone else wrote first. */
  get retryable(): boolean {
    return (
      this.reason === 'ServiceUnavailable' ||
      this.reason === 'Conflict' ||
      this.reason === 'Timeout' ||
      this.reason === 'TooManyRequests'
    );
  }

  toStatus(): StatusObject {
    const s: StatusObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.httpCode,
    };
    if (this.details) s.details = this.details;
    return s;
  }

  toGrpc(): Partial<ServiceError> {
    const md = new Metadata();
    md.set('k8s-reason', this.reason);
    if (this.details) md.set('k8s-details', JSON.stringify(this.details));
    return { code: this.grpcCode, details: this.message, metadata: md };
  }

  static fromGrpc(err: ServiceError): ApiError {
    const reason = err.metadata?.get('k8s-reason')[0];
    const details = err.metadata?.get('k8s-details')[0];
    return ApiError.fromParts(
      typeof reason === 'string' ? reason : undefined,
      err.details || err.message,
      typeof details === 'string' ? details : undefined,
      BY_GRPC[err.code] ?? 'InternalError',
    );
  }

  /** The reason, message and JSON details of toParts(); an unknown reason is `fallback`, bad details none. */
  static fromParts(
    reason: string | undefined,
    message: string,
    detailsJson: string | undefined,
    fallback: StatusReason = 'InternalError',
  ): ApiError {
    let details: StatusDetails | undefined;
    try {
      details = detailsJson ? (JSON.parse(detailsJson) as StatusDetails) : undefined;
    } catch {
      details = undefined;
    }
    return new ApiError(reason && reason in REASONS ? (reason as StatusReason) : fallback, message, details);
  }

  /** The error as strings (BindMany's per-binding results); fromParts() reads them back. */
  toParts(): { reason: string; message: string; details: string } {
    return { reason: this.reason, message: this.message, details: this.details ? JSON.stringify(this.details) : '' };
  }

  /** Converts anything thrown into an ApiError; used only at RPC/HTTP boundaries. */
  static from(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (isServiceError(err)) return ApiError.fromGrpc(err);
    const msg = err instanceof Error ? err.message : String(err);
    return new ApiError('InternalError', msg);
  }
}

function isServiceError(err: unknown): err is ServiceError {
  return (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    'metadata' in err &&
    typeof (err as ServiceError).code === 'number'
  );
}

/** `pods "nope" not found` */
export function notFound(resource: string, name: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError('NotFound', `${qualified} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function alreadyExists(resource: string, name: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError('AlreadyExists', `${qualified} "${name}" already exists`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function conflict(
  resource: string,
  name: string,
  group = '',
  why = 'the object has been modified; please apply your changes to the latest version and try again',
): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError('Conflict', `Operation cannot be fulfilled on ${qualified} "${name}": ${why}`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError('BadRequest', message);
}

/** `Request entity too large: <why>` (413), upstream's NewRequestEntityTooLargeError. */
export function entityTooLarge(why: string): ApiError {
  return new ApiError('RequestEntityTooLarge', `Request entity too large: ${why}`);
}
