/**
 * `kubelab chaos clock-skew`: the offset a component's clock reads (client/clock-skew.ts) is the
 * file /run/kubelab/clock-skew in its container, written through Docker's archive API (which
 * works on a stopped container too, and needs no shell in the image). Healing writes it empty:
 * no offset. The component notices within a second, without a restart.
 */
import type Docker from 'dockerode';
import { CLOCK_SKEW_FILE } from '@kubelab/client/clock-skew';

/** The components whose clock is the skewable one (their main.ts reads the file). */
export const CLOCK_SKEW_COMPONENTS = ['controller-manager', 'scheduler', 'kubelet', 'apiserver'];

/** A one-directory-chain, one-file ustar archive: what Docker's putArchive unpacks at "/". */
export function skewArchive(text: string, file = CLOCK_SKEW_FILE): Buffer {
  const parts = file.replace(/^\/+/, '').split('/');
  const blocks: Buffer[] = [];
  for (let i = 1; i < parts.length; i++) blocks.push(tarHeader(`${parts.slice(0, i).join('/')}/`, 0, '5', 0o755));
  const body = Buffer.from(text);
  blocks.push(
    tarHeader(parts.join('/'), body.length, '0', 0o644),
    body,
    Buffer.alloc((512 - (body.length % 512)) % 512),
  );
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function tarHeader(name: string, size: number, type: '0' | '5', mode: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  const h = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number): void => void h.write(value, offset, length, 'ascii');
  const octal = (n: number, offset: number, length: number): void =>
    field(`${n.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  field(name, 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8); // uid: root, as the components run
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(Math.floor(Date.now() / 1000), 136, 12);
  field(' '.repeat(8), 148, 8); // the checksum counts its own field as spaces
  field(type, 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** Writes the offset (whole milliseconds; 0 empties the file) into the container. */
export async function writeClockSkew(docker: Docker, containerId: string, offsetMs: number): Promise<void> {
  const text = offsetMs === 0 ? '' : `${Math.round(offsetMs)}\n`;
  await docker.getContainer(containerId).putArchive(skewArchive(text), { path: '/' });
}
