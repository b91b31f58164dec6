/** `node delete` for a lab (the library side of the CLI's command; `node add` is labJoin). */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerodeLab } from './docker.js';
import { labApiAccess, type LabOptions } from './lab.js';
import { apiCall, deleteNode } from './node-delete.js';
import { consoleLog } from './output.js';
import { labSettings } from './settings.js';

export async function labNodeDelete(
  o: LabOptions & { force?: boolean; timeoutMs?: number },
  name: string,
): Promise<void> {
  const s = labSettings(o);
  const call = apiCall(await labApiAccess(o));
  await deleteNode(o.docker ?? new DockerodeLab(), s, call, name, {
    force: o.force,
    timeoutMs: o.timeoutMs,
    log: o.log ?? consoleLog,
  });
  // The CA and token `node add --token` gave this node alone.
  if (/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) && !name.includes('..'))
    await rm(join(s.pkiDir, 'components', `kubelet-${name}`), { recursive: true, force: true });
}
