import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MARKER,
  composeEnvText,
  composeVariables,
  parseComposeEnv,
  recalledEnv,
  writeComposeEnv,
} from './compose-env.js';

const COMPOSE =
  'image: ${KUBELAB_IMAGE:-x}\nports: ["${KUBELAB_API_PORT:-6443}:6443"]\nenv: ${LOG_LEVEL:-info} ${KUBELAB_API_PORT}\n';

describe('compose env file', () => {
  it('names the variables the compose file interpolates, once each', () => {
    assert.deepEqual(composeVariables(COMPOSE), ['KUBELAB_API_PORT', 'KUBELAB_IMAGE', 'LOG_LEVEL']);
  });

  it('writes the project, the profile and the variables with a value, and reads them back', () => {
    const text = composeEnvText(
      { KUBELAB_API_PORT: '16447', KUBELAB_IMAGE: 'kubelab/kubelab:t', LOG_LEVEL: '', HOME: '/root' },
      composeVariables(COMPOSE),
      'kubelab',
      true,
    );
    assert.ok(text.startsWith(MARKER));
    assert.deepEqual(parseComposeEnv(text), {
      COMPOSE_PROJECT_NAME: 'kubelab',
      COMPOSE_PROFILES: 'ha',
      KUBELAB_API_PORT: '16447',
      KUBELAB_IMAGE: 'kubelab/kubelab:t',
    });
  });

  it(".env only for the checkout's default lab, never over the user's own, and recalls without images", async () => {
    const root = await mkdtemp(join(tmpdir(), 'kubelab-env-'));
    await writeFile(join(root, 'docker-compose.yml'), COMPOSE);
    const env = { KUBELAB_API_PORT: '7443', KUBELAB_IMAGE: 'i' };
    const other = await writeComposeEnv(root, join(root, 'docker-compose.yml'), 'other', env, false);
    assert.equal(other.dotEnv, undefined);
    await assert.rejects(readFile(join(root, '.env')), /ENOENT/);
    assert.deepEqual(recalledEnv(root, 'other'), { KUBELAB_API_PORT: '7443' });
    const def = await writeComposeEnv(
      root,
      join(root, 'docker-compose.yml'),
      'kubelab',
      { ...env, KUBELAB_API_PORT: '6444' },
      false,
    );
    assert.equal(def.dotEnv, join(root, '.env'));
    assert.match(await readFile(join(root, '.env'), 'utf8'), /^KUBELAB_API_PORT=6444$/m);
    assert.deepEqual(recalledEnv(root, 'other'), { KUBELAB_API_PORT: '7443' });
    await writeFile(join(root, '.env'), 'MINE=1\n');
    const mine = await writeComposeEnv(root, join(root, 'docker-compose.yml'), 'kubelab', env, false);
    assert.match(mine.skipped ?? '', /is not kubelab's/);
    assert.equal(await readFile(join(root, '.env'), 'utf8'), 'MINE=1\n');
  });
});
