/** Whether the lab's subnet collides with an existing network's (IPv6 or unparsable ranges never do here). */
import { cidrsOverlap, parseCidr } from '@kubelab/api';

export function subnetsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return !!x && !!y && cidrsOverlap(x, y);
}
