import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '@kubelab/api';
import { NftProxier } from './nft-proxier.js';
import { MapStore, SliceStore, silentLog, svc, tcpSlices } from './testing.js';

function setup() {
  const services = new MapStore<Service>();
  const slices = new SliceStore();
  const calls: { file: string; args: string[]; input: string }[] = [];
  let tablePresent = true;
  const run = (file: string, args: string[], input: string): Promise<void> => {
    calls.push({ file, args, input });
    if (args[0] === 'list' && !tablePresent) return Promise.reject(new Error('No such file or directory'));
    return Promise.resolve();
  };
  const p = new NftProxier({
    services,
    slices: slices.of,
    nodePods: () => new Map(),
    run,
    log: silentLog,
    nftCmd: 'nft',
    conntrackCmd: 'conntrack',
  });
  return { services, slices, calls, p, dropTable: () => (tablePresent = false) };
}

test('start builds everything in one transaction; a change is one transaction for that service', async () => {
  const t = setup();
  for (let i = 0; i < 50; i++)
    t.services.put(svc(`s${i}`, { clusterIP: `10.244.128.${i + 1}`, ports: [{ port: 80 }] }));
  t.slices.set(
    'default/s1',
    tcpSlices('s1', [
      { ip: '10.244.0.5', port: 80 },
      { ip: '10.244.0.6', port: 80 },
    ]),
  );
  await t.p.syncAll();
  assert.equal(t.calls.length, 1);
  assert.match(t.calls[0]!.input, /^add table ip kubelab\ndelete table ip kubelab/);
  t.slices.set('default/s1', tcpSlices('s1', [{ ip: '10.244.0.5', port: 80 }]));
  await t.p.syncService('default/s1');
  await t.p.settled();
  const nft = t.calls.filter((c) => c.file === 'nft');
  assert.equal(nft.length, 2);
  assert.doesNotMatch(nft[1]!.input, /10\.244\.128\.3 /, 'only the changed service is in the transaction');
  assert.deepEqual(
    t.calls.filter((c) => c.file === 'conntrack').map((c) => c.args.join(' ')),
    ['-D -p tcp --reply-src 10.244.0.6 --reply-port-src 80', '-D -p udp --reply-src 10.244.0.6 --reply-port-src 80'],
  );
});

test('the periodic resync leaves the rules alone unless the table is gone', async () => {
  const t = setup();
  t.services.put(svc('a', { clusterIP: '10.244.128.1', ports: [{ port: 80 }] }));
  await t.p.syncAll();
  await t.p.syncAll();
  assert.equal(t.calls.filter((c) => c.args[0] === '-f').length, 1);
  t.dropTable();
  await t.p.syncAll();
  assert.equal(t.calls.filter((c) => c.args[0] === '-f').length, 2);
});
