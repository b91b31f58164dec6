/**
 * The real kubectl (1.27 SPDY, 1.32 WebSocket v5, 1.33) against the REST server with fake stream
 * backends: exec output, exit codes, stdin, pre-check errors, and port-forward (raw SPDY on 1.27,
 * SPDY-in-WebSocket on 1.32/1.33) to a local HTTP server. Everything on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { findKubectl, TestCluster, type RunResult } from '../testing/harness.js';
import { localStreamBackends } from './fake-backends.js';

const VERSIONS = [
  { label: '1.27 (SPDY)', bin: findKubectl('kubectl.1.27') },
  { label: '1.32 (WebSocket v5)', bin: findKubectl('kubectl') },
  { label: '1.33', bin: findKubectl('kubectl.1.33') },
];

const SCRIPT = existsSync('/usr/bin/script') ? '/usr/bin/script' : undefined;
const BIG = Buffer.alloc(1024 * 1024, 'x');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function httpGet(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 15_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function httpPost(port: number, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/echo-length',
        method: 'POST',
        agent: false,
        timeout: 15_000,
        headers: { 'Content-Length': body.length },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('kubectl exec / port-forward through the stream protocols', () => {
  let target: http.Server;
  let cluster: TestCluster;
  let backends: ReturnType<typeof localStreamBackends>;

  before(async () => {
    target = http.createServer((req, res) => {
      if (req.url === '/big') {
        res.end(BIG);
        return;
      }
      if (req.url === '/echo-length') {
        let n = 0;
        req.on('data', (c: Buffer) => (n += c.length));
        req.on('end', () => res.end(`got ${n}`));
        return;
      }
      res.end(`hello from pod port 80 ${req.url}`);
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    backends = localStreamBackends(new Map([[80, (target.address() as AddressInfo).port]]));
    cluster = await new TestCluster(backends).start();
  });

  after(async () => {
    await cluster.stop();
    target.close();
  });

  const runInput = (bin: string, args: string[], input: string): Promise<RunResult> =>
    new Promise((resolve) => {
      const child = spawn(bin, args, { env: cluster.env(), cwd: cluster.dir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
      child.stdin.end(input);
    });

  for (const { label, bin } of VERSIONS) {
    describe(`kubectl ${label}`, { skip: bin ? false : 'kubectl binary not found' }, () => {
      const k = bin!;

      test('exec prints the command output', async () => {
        const r = await cluster.run(k, ['exec', 'running', '--', 'echo', 'hello']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'hello\n');
      });

      test('exec propagates the exit code and separates stderr', async () => {
        const r = await cluster.run(k, ['exec', 'running', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout, 'out\n');
        assert.match(r.stderr, /^err\n/);
        assert.match(r.stderr, /command terminated with exit code 3/);
      });

      test('exec -i passes stdin until EOF', async () => {
        const r = await runInput(k, ['exec', '-i', 'running', '--', 'cat'], 'abc\n');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'abc\n');
      });

      test('exec streams a large output', async () => {
        const r = await cluster.run(k, ['exec', 'running', '--', 'sh', '-c', 'head -c 300000 /dev/zero | tr "\\0" y']);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.length, 300000);
      });

      test('attach -i talks to the running process', async () => {
        const r = await runInput(k, ['attach', '-i', 'running'], 'abc\n');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'abc\n');
        assert.equal(backends.calls.at(-1), 'attach default/running c');
      });

      test('exec -it under a pseudo-terminal (script)', { skip: SCRIPT ? false : 'no script(1)' }, async () => {
        const quoted = `'${k}' exec -it running -- sh -c 'echo tty-ok; exit 4'`;
        const r = await runInput(SCRIPT!, ['-qec', quoted, '/dev/null'], '');
        assert.equal(r.code, 4, r.stdout + r.stderr);
        assert.match(r.stdout, /tty-ok/);
        assert.match(r.stdout, /command terminated with exit code 4/);
        const last = backends.exec_.started.at(-1)!;
        assert.deepEqual([last.tty, last.stderr], [true, false]);
        assert.ok(backends.exec_.resizes.length > 0, 'a resize arrived');
      });

      test('exec with an unknown container is refused', async () => {
        const r = await cluster.run(k, ['exec', 'running', '-c', 'nope', '--', 'true']);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /container nope is not valid for pod running/);
      });

      test('port-forward serves HTTP through the pod port, both ways, large bodies', async () => {
        const local = await freePort();
        const child = spawn(k, ['port-forward', 'pod/running', `${local}:80`], {
          env: cluster.env(),
          cwd: cluster.dir,
        });
        let out = '';
        let err = '';
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        try {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`port-forward did not start: ${out} ${err}`)), 20_000);
            child.stdout.on('data', (c: Buffer) => {
              out += c.toString();
              if (out.includes('Forwarding from')) {
                clearTimeout(timer);
                resolve();
              }
            });
            child.once('exit', (code) => reject(new Error(`port-forward exited ${code}: ${err}`)));
          });
          const first = await httpGet(local, '/one');
          assert.equal(first.status, 200);
          assert.equal(first.body.toString(), 'hello from pod port 80 /one');
          const second = await httpGet(local, '/two');
          assert.equal(second.body.toString(), 'hello from pod port 80 /two');
          const big = await httpGet(local, '/big');
          assert.equal(big.body.length, BIG.length);
          assert.equal(await httpPost(local, Buffer.alloc(512 * 1024, 'z')), `got ${512 * 1024}`);
          assert.equal(child.exitCode, null, `port-forward died: ${err}`);
        } finally {
          child.kill('SIGTERM');
        }
      });
    });
  }

  test('port-forward to a closed pod port reports the error text from the error stream', {
    skip: VERSIONS[2]!.bin ? false : 'no kubectl',
  }, async () => {
    const local = await freePort();
    const child = spawn(VERSIONS[2]!.bin!, ['port-forward', 'pod/running', `${local}:81`], {
      env: cluster.env(),
      cwd: cluster.dir,
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`port-forward did not start: ${err}`)), 20_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('Forwarding from')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await assert.rejects(httpGet(local, '/'));
      assert.equal(await exited, 1);
      assert.match(
        err,
        /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod default\/running: .*connection refused/,
      );
    } finally {
      child.kill('SIGTERM');
    }
  });

  test('a plain request to exec gets 400 Upgrade request required; missing pods 404', async () => {
    const r = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/running/exec?command=true&stdout=true`, {
      method: 'POST',
    });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { message: string }).message, 'Upgrade request required');
    const missing = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/nope/exec?command=true&stdout=true`, {
      method: 'POST',
    });
    assert.equal(missing.status, 404);
    const pending = await fetch(`${cluster.url}/api/v1/namespaces/default/pods/creating/portforward`, {
      method: 'POST',
    });
    assert.equal(pending.status, 400);
  });
});

describe('without stream backends', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await new TestCluster().start();
  });
  after(() => cluster.stop());

  test('exec answers 503 streaming is not available', {
    skip: findKubectl('kubectl.1.27') ? false : 'no kubectl 1.27',
  }, async () => {
    const r = await cluster.run(findKubectl('kubectl.1.27')!, ['exec', 'running', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /streaming is not available/);
  });
});
