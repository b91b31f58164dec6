/** Writing responses: JSON/YAML bodies, Status objects for errors, plain text. */
import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { ApiError, type StatusObject } from '@kubelab/proto';
import type { ResponseFormat } from './media.js';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  sendJsonBytes(res, code, Buffer.from(JSON.stringify(body), 'utf8'), contentType);
}

/** A JSON body already serialized. */
export function sendJsonBytes(res: ServerResponse, code: number, buf: Buffer, contentType = 'application/json'): void {
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': buf.length,
    'Cache-Control': 'no-cache, private',
  });
  res.end(buf);
}

export function sendBytes(res: ServerResponse, code: number, body: Buffer, contentType: string): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': buf.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(buf);
}

/** An API object in the negotiated format. */
export function sendObject(res: ServerResponse, code: number, obj: unknown, format: ResponseFormat = 'json'): void {
  if (format === 'yaml') {
    const buf = Buffer.from(toYaml(obj), 'utf8');
    res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': buf.length });
    res.end(buf);
    return;
  }
  sendJson(res, code, obj);
}

/** Renders any thrown value as an upstream Status with the matching HTTP code. */
export function sendError(res: ServerResponse, err: unknown): StatusObject {
  const status = ApiError.from(err).toStatus();
  if (res.headersSent || res.destroyed) {
    // Mid-stream: nothing sensible can be sent any more; end the body.
    res.end();
    return status;
  }
  // As upstream: a retry period in the details is also the Retry-After header (client-go reads only the header).
  const retry = status.details?.retryAfterSeconds;
  if (retry && retry > 0) res.setHeader('Retry-After', String(retry));
  sendJson(res, status.code, status);
  return status;
}

/** `{"kind":"Status",...,"status":"Success"}`, as upstream answers bindings and some deletes. */
export function successStatus(code: number, details?: Record<string, unknown>): Record<string, unknown> {
  const s: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
  if (details) s['details'] = details;
  return s;
}

export const errNotFoundPath = (): ApiError =>
  new ApiError('NotFound', 'the server could not find the requested resource', {});

export const errMethodNotAllowed = (): ApiError =>
  new ApiError('MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
