import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHealthStatus, encodeHealthRequest } from './grpchealth.js';
import { probeTiming, resolvePort } from './types.js';

describe('grpc health codec', () => {
  it('encodes the service name as field 1 and decodes the status, skipping unknown fields', () => {
    assert.deepEqual([...encodeHealthRequest('')], []);
    assert.deepEqual([...encodeHealthRequest('db')], [0x0a, 2, 0x64, 0x62]);
    assert.equal(encodeHealthRequest('x'.repeat(200)).subarray(0, 3).toString('hex'), '0ac801');
    assert.equal(decodeHealthStatus(Buffer.from([0x08, 0x01])), 1);
    assert.equal(decodeHealthStatus(Buffer.from([0x12, 0x02, 0x61, 0x62, 0x08, 0x02])), 2);
    assert.equal(decodeHealthStatus(Buffer.alloc(0)), 0);
    assert.throws(() => decodeHealthStatus(Buffer.from([0x08, 0x80])), /truncated/);
  });
});

describe('probe settings', () => {
  it('applies upstream defaults', () => {
    assert.deepEqual(probeTiming({}), {
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1_000,
      failureThreshold: 3,
      successThreshold: 1,
    });
    assert.deepEqual(
      probeTiming({
        initialDelaySeconds: 4,
        periodSeconds: 2,
        timeoutSeconds: 5,
        failureThreshold: 1,
        successThreshold: 2,
      }),
      {
        initialDelayMs: 4_000,
        periodMs: 2_000,
        timeoutMs: 5_000,
        failureThreshold: 1,
        successThreshold: 2,
      },
    );
  });

  it('resolves ports by number or container port name', () => {
    const c = { name: 'app', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] };
    assert.equal(resolvePort(80, c), 80);
    assert.equal(resolvePort('81', c), 81);
    assert.equal(resolvePort('http', c), 8080);
    assert.throws(() => resolvePort('grpc', c), /couldn't find port: grpc in app/);
    assert.throws(() => resolvePort(70000, c), /invalid port/);
  });
});
