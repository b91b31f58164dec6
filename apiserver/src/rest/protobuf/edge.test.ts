/** Edge cases of the protobuf decoder: unknown fields, packed/negative varints, malformed input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKubernetesProtobuf, knownKinds, ProtobufError, schemaFor, UnknownKindError } from './index.js';
import { decodeMessage } from './decode.js';
import { Schema } from './schema.js';
import { build, envelope, type PbWriter } from './testing/encode.js';
import { KUBECTL_133_DEPLOY } from './testing/fixtures.js';

const decode = (apiVersion: string, kind: string, fill: (w: PbWriter) => void) =>
  decodeKubernetesProtobuf(envelope(apiVersion, kind, build(fill)));

test('every prefix of a real body either decodes or fails with a ProtobufError', () => {
  for (let i = 0; i < KUBECTL_133_DEPLOY.length; i++) {
    try {
      decodeKubernetesProtobuf(KUBECTL_133_DEPLOY.subarray(0, i));
    } catch (e) {
      assert.ok(e instanceof ProtobufError, `prefix ${i}: ${String(e)}`);
    }
  }
  assert.throws(() => decodeKubernetesProtobuf(KUBECTL_133_DEPLOY.subarray(0, 100)), /truncated/);
});

test('unknown fields of every wire type are skipped', () => {
  const o = decode('v1', 'Namespace', (w) =>
    w
      .int(99, 7)
      .fixed64(98, 1.5)
      .fixed32(97, 1)
      .string(96, 'x')
      .tag(95, 3)
      .int(1, 1)
      .tag(95, 4)
      .message(1, (m) => m.string(1, 'x').string(200, 'future field'))
      .message(2, (s) => s.string(1, 'kubernetes').int(50, 1)),
  );
  assert.deepEqual(o, {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name: 'x' },
    spec: { finalizers: ['kubernetes'] },
  });
});

test('packed repeated integers and negative varints', () => {
  const packed = build((p) => p.raw(Uint8Array.from([1, 2, 0x80, 0x01])));
  const o = decode('v1', 'Pod', (w) =>
    w.message(2, (ps) => ps.message(14, (sc) => sc.bytes(4, packed).int(4, 7).int(2, -5))),
  );
  assert.deepEqual((o['spec'] as { securityContext: unknown }).securityContext, {
    supplementalGroups: [1, 2, 128, 7],
    runAsUser: -5,
  });
});

test('malformed input: clear ProtobufErrors', () => {
  assert.throws(
    () => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')),
    /does not start with the Kubernetes protobuf prefix/,
  );
  assert.throws(
    () => decodeKubernetesProtobuf(envelope('v1', 'Foo', new Uint8Array(0))),
    (e: unknown) => e instanceof UnknownKindError && /no kind "Foo" is registered for version "v1"/.test(e.message),
  );
  assert.throws(() => decodeKubernetesProtobuf(envelope('', '', new Uint8Array(0))), /does not name the object kind/);
  assert.throws(
    () => decodeKubernetesProtobuf(envelope('v1', 'Namespace', new Uint8Array(0), (w) => w.string(3, 'gzip'))),
    /unsupported content encoding "gzip"/,
  );
  // metadata.name sent as a varint: a wire type that does not match the schema.
  assert.throws(
    () => decode('v1', 'Namespace', (w) => w.message(1, (m) => m.int(1, 5))),
    /metadata\.name: wire type 0/,
  );
  // A length running past the end of the enclosing message.
  assert.throws(() => decode('v1', 'Namespace', (w) => w.raw(Uint8Array.from([0x0a, 0x05, 0x0a]))), /truncated/);
  // Field number 0, invalid wire types, over-long varints.
  assert.throws(() => decode('v1', 'Namespace', (w) => w.raw(Uint8Array.from([0x00]))), /field number 0/);
  assert.throws(() => decode('v1', 'Namespace', (w) => w.raw(Uint8Array.from([0x7f]))), /invalid wire type 7/);
  assert.throws(
    () =>
      decode('v1', 'Namespace', (w) =>
        w.raw(Uint8Array.from([0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])),
      ),
    /varint longer than 10 bytes/,
  );
  assert.throws(() => decode('v1', 'Namespace', (w) => w.tag(9, 3).int(1, 1)), /unterminated group/);
});

test('deeply nested messages are refused, not a stack overflow', () => {
  const schema = new Schema([{ Node: { 1: 'name', 2: 'child:Node' } }]);
  let bytes = build((w) => w.string(1, 'leaf'));
  for (let i = 0; i < 10; i++) {
    const cur = bytes;
    bytes = build((w) => w.bytes(2, cur));
  }
  let shallow: Record<string, unknown> = decodeMessage(schema, 'Node', bytes, 0, bytes.length);
  for (let i = 0; i < 10; i++) shallow = shallow['child'] as Record<string, unknown>;
  assert.deepEqual(shallow, { name: 'leaf' });
  for (let i = 0; i < 100; i++) {
    const cur = bytes;
    bytes = build((w) => w.bytes(2, cur));
  }
  assert.throws(
    () => decodeMessage(schema, 'Node', bytes, 0, bytes.length),
    (e: unknown) => e instanceof ProtobufError && /nested too deeply/.test(e.message),
  );
});

test('every known kind has a complete schema', () => {
  for (const { apiVersion, kind } of knownKinds()) {
    const s = schemaFor(apiVersion, kind);
    assert.ok(s, `${apiVersion} ${kind}`);
    s.check(kind);
  }
  assert.equal(schemaFor('apps/v1', 'Pod'), undefined);
  assert.equal(schemaFor('v9', 'Pod'), undefined);
});
