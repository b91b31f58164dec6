/** The Status written on the exec error channel at the end of a session (remotecommand v4/v5). */
import type { ExecResult } from './types.js';

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

export function execStatus(result: ExecResult): ExecStatus {
  if ('error' in result) {
    return {
      metadata: {},
      status: 'Failure',
      message: `Internal error occurred: ${result.error}`,
      reason: 'InternalError',
      details: { causes: [{ message: result.error }] },
      code: 500,
    };
  }
  if (result.code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${result.code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(result.code) }] },
  };
}
