import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpCommandAddressManager, parseHostAddresses, type ExecFn } from './netlink.js';

const IPROUTE2 = `2: eth0@if12: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default
    inet 10.244.0.3/16 brd 10.244.255.255 scope global eth0
       valid_lft forever preferred_lft forever
    inet 10.244.128.1/32 scope global eth0
       valid_lft forever preferred_lft forever
    inet 10.244.128.7/32 scope global eth0
       valid_lft forever preferred_lft forever
`;
const BUSYBOX = `12: eth0@if13: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue
    inet 10.244.0.3/16 brd 10.244.255.255 scope global eth0
       valid_lft forever preferred_lft forever
    inet 10.244.130.2/32 scope global eth0
       valid_lft forever preferred_lft forever
`;

test('parses /32 addresses from iproute2 and busybox output', () => {
  assert.deepEqual(parseHostAddresses(IPROUTE2), ['10.244.128.1', '10.244.128.7']);
  assert.deepEqual(parseHostAddresses(BUSYBOX), ['10.244.130.2']);
  assert.deepEqual(parseHostAddresses(''), []);
});

function recorder(fail: (args: string[]) => string | undefined, stdout = ''): { exec: ExecFn; calls: string[] } {
  const calls: string[] = [];
  const exec: ExecFn = (file, args) => {
    calls.push([file, ...args].join(' '));
    const err = fail(args);
    return err ? Promise.reject(new Error(`${file} ${args.join(' ')}: ${err}`)) : Promise.resolve(stdout);
  };
  return { exec, calls };
}

test('runs the ip command with leading arguments and the interface', async () => {
  const r = recorder(() => undefined, BUSYBOX);
  const m = new IpCommandAddressManager('busybox ip', 'eth1', r.exec);
  assert.deepEqual(await m.list(), ['10.244.130.2']);
  await m.add('10.244.128.9');
  await m.remove('10.244.128.9');
  assert.deepEqual(r.calls, [
    'busybox ip -4 addr show dev eth1',
    'busybox ip addr add 10.244.128.9/32 dev eth1',
    'busybox ip addr del 10.244.128.9/32 dev eth1',
  ]);
});

test('adding a present address and removing an absent one succeed', async () => {
  const r = recorder((args) =>
    args[1] === 'add' ? 'ip: RTNETLINK answers: File exists' : 'ip: RTNETLINK answers: Cannot assign requested address',
  );
  const m = new IpCommandAddressManager('/bin/ip', 'eth0', r.exec);
  await m.add('10.244.128.9');
  await m.remove('10.244.128.9');
});

test('other failures are reported', async () => {
  const r = recorder(() => 'ip: RTNETLINK answers: Operation not permitted');
  const m = new IpCommandAddressManager('/bin/ip', 'eth0', r.exec);
  await assert.rejects(m.add('10.244.128.9'), /Operation not permitted/);
  await assert.rejects(m.remove('10.244.128.9'), /Operation not permitted/);
  assert.throws(() => new IpCommandAddressManager('  ', 'eth0', r.exec), /KUBELAB_IP_CMD/);
});
