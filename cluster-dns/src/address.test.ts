import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IpAddressBinder, type ExecFn } from './address.js';

function recorder(fail: Record<string, string> = {}): { exec: ExecFn; calls: string[] } {
  const calls: string[] = [];
  const exec: ExecFn = (file, args) => {
    const line = [file, ...args].join(' ');
    calls.push(line);
    const hit = Object.keys(fail).find((k) => line.includes(k));
    return hit ? Promise.reject(new Error(`${line}: ${fail[hit]}`)) : Promise.resolve('');
  };
  return { exec, calls };
}

describe('IpAddressBinder', () => {
  it('adds the address as a /32, announces it, moves it, removes it', async () => {
    const r = recorder();
    const b = new IpAddressBinder('busybox ip', 'eth0', r.exec, '/bin/busybox arping');
    await b.bind('10.0.128.10');
    await b.bind('10.0.128.11');
    await b.bind(undefined);
    assert.deepEqual(r.calls, [
      'busybox ip addr add 10.0.128.10/32 dev eth0',
      '/bin/busybox arping -U -c 1 -I eth0 -s 10.0.128.10 10.0.128.10',
      'busybox ip addr del 10.0.128.10/32 dev eth0',
      'busybox ip addr add 10.0.128.11/32 dev eth0',
      '/bin/busybox arping -U -c 1 -I eth0 -s 10.0.128.11 10.0.128.11',
      'busybox ip addr del 10.0.128.11/32 dev eth0',
    ]);
  });

  it('takes an address already there, ignores a failed announcement, and reports other failures', async () => {
    const ok = recorder({ 'addr add': 'RTNETLINK answers: File exists' });
    await new IpAddressBinder('/bin/ip', 'eth0', ok.exec, 'arping').bind('10.0.128.10');
    assert.deepEqual(ok.calls, ['/bin/ip addr add 10.0.128.10/32 dev eth0'], 'there already: not announced');
    const noArping = recorder({ arping: 'not found' });
    await new IpAddressBinder('/bin/ip', 'eth0', noArping.exec, 'arping').bind('10.0.128.10');
    const denied = recorder({ 'addr add': 'RTNETLINK answers: Operation not permitted' });
    await assert.rejects(new IpAddressBinder('/bin/ip', 'eth0', denied.exec).bind('10.0.128.10'), /Operation not permitted/);
    assert.deepEqual(denied.calls, ['/bin/ip addr add 10.0.128.10/32 dev eth0']);
  });
});
