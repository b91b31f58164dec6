import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../exec.js';
import { WGET_TIMEOUT_SHIM, wgetHasTimeout } from './wget-shim.js';

const listen = (s: Server | ReturnType<typeof createTcpServer>): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));

describe('the wget -T shim of the busybox image', () => {
  it('is used only when the busybox wget help does not list -T', () => {
    assert.equal(wgetHasTimeout('\t-O FILE\t\tSave to FILE\n\t-U STR\t\tUse STR for User-Agent header\n'), false);
    assert.equal(wgetHasTimeout('\t-T SEC\t\tNetwork read timeout is SEC seconds\n'), true);
  });

  it('fetches with -T, and gives up on a server that never answers', {
    skip: existsSync('/bin/busybox') ? false : 'no /bin/busybox on this machine',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wget-shim-'));
    const shim = join(dir, 'wget');
    writeFileSync(shim, WGET_TIMEOUT_SHIM, { mode: 0o755 });
    const http = createServer((_req, res) => res.end('hello'));
    const silent = createTcpServer(() => undefined);
    try {
      const port = await listen(http);
      const ok = await run(shim, ['-q', '-T', '2', '-O', '-', `http://127.0.0.1:${port}/`]);
      assert.deepEqual([ok.code, ok.stdout], [0, 'hello']);
      const joined = await run(shim, ['-q', '-T2', '--timeout=3', '-O-', `http://127.0.0.1:${port}/`]);
      assert.deepEqual([joined.code, joined.stdout], [0, 'hello']);
      const stuck = await run(shim, ['-q', '-T', '1', '-O', '-', `http://127.0.0.1:${await listen(silent)}/`], {
        timeoutMs: 15_000,
      });
      // busybox timeout keeps the program's PID and ends it with SIGTERM: no exit code, and not the test's kill.
      assert.notEqual(stuck.code, 0);
      assert.doesNotMatch(stuck.stderr, /killed after/);
    } finally {
      http.close();
      silent.close();
    }
  });
});
