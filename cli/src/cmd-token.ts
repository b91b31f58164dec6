/**
 * `kubelab token create|list|delete`: bootstrap tokens for `kubelab join` (tokens.ts), kept as
 * Secrets in kube-system through the lab's API with the admin token. Exit codes: 0 done, 1 the
 * lab or the API refused (message on stderr), 2 bad arguments.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { apiRequest, type ApiAccess } from './api-get.js';
import { labApiAccess, type LabOptions } from './lab.js';
import { consoleLog } from './output.js';
import {
  generateBootstrapToken,
  parseTtl,
  secretName,
  TOKEN_NAMESPACE,
  TOKEN_RE,
  tokenId,
  tokenSecret,
  tokenTable,
} from './tokens.js';

const SECRETS = `/api/v1/namespaces/${TOKEN_NAMESPACE}/secrets`;

function checkToken(v: string): string {
  if (!TOKEN_RE.test(v)) throw new Error(`${JSON.stringify(v)} is not a token: [a-z0-9]{6}.[a-z0-9]{16}`);
  return v;
}

const asArg =
  <T>(fn: (v: string) => T) =>
  (v: string): T => {
    try {
      return fn(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };

async function call(
  api: ApiAccess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await apiRequest(api, method, path, body, 10_000);
  if (!r) throw new Error(`the lab's API at ${api.url} does not answer (is the lab up? ./kubelab status)`);
  return {
    status: r.status,
    body: (typeof r.body === 'object' && r.body !== null ? r.body : {}) as Record<string, unknown>,
  };
}

function apiError(what: string, r: { status: number; body: Record<string, unknown> }): Error {
  return new Error(`${what}: ${String(r.body['message'] ?? `HTTP ${r.status}`)}`);
}

export async function createToken(
  api: ApiAccess,
  o: { ttlMs: number; description?: string; groups?: string[]; token?: string },
): Promise<string> {
  const token = o.token ?? generateBootstrapToken();
  const r = await call(api, 'POST', SECRETS, tokenSecret(token, o));
  if (r.status === 409)
    throw new Error(
      `a bootstrap token with id ${tokenId(token)} exists already (kubelab token delete ${tokenId(token)} first)`,
    );
  if (r.status !== 201) throw apiError('creating the bootstrap token', r);
  return token;
}

export async function listTokens(api: ApiAccess): Promise<string[]> {
  const r = await call(api, 'GET', SECRETS);
  if (r.status !== 200) throw apiError('listing the bootstrap tokens', r);
  return tokenTable((r.body['items'] ?? []) as never[]);
}

export async function deleteToken(api: ApiAccess, arg: string): Promise<string> {
  const id = tokenId(arg);
  const r = await call(api, 'DELETE', `${SECRETS}/${secretName(id)}`);
  if (r.status === 404) throw new Error(`bootstrap token "${id}" not found`);
  if (r.status !== 200 && r.status !== 202) throw apiError(`deleting bootstrap token "${id}"`, r);
  return id;
}

export function addTokenCommands(program: Command, project: () => LabOptions): void {
  const token = program
    .command('token')
    .description('bootstrap tokens for kubelab join (as kubeadm token): Secrets in kube-system');
  token
    .command('create')
    .argument('[token]', 'the token to make ([a-z0-9]{6}.[a-z0-9]{16}); a random one when omitted', asArg(checkToken))
    .description('make a bootstrap token and print it')
    .option(
      '--ttl <duration>',
      'how long it is valid (24h, 1h30m; 0 never expires)',
      asArg<number | string>(parseTtl),
      '24h',
    )
    .option('--description <text>', 'a note shown by token list')
    .option('--groups <groups>', 'extra groups, comma-separated (each system:bootstrappers:...)', (v: string) =>
      v
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
    )
    .option(
      '--print-join-command',
      'print the kubelab command that joins a node with it (as kubeadm token create --print-join-command)',
    )
    .action(
      async (
        given: string | undefined,
        o: { ttl: number | string; description?: string; groups?: string[]; printJoinCommand?: boolean },
      ) => {
        const ttlMs = typeof o.ttl === 'string' ? parseTtl(o.ttl) : o.ttl;
        const t = await createToken(await labApiAccess(project()), {
          ttlMs,
          ...(o.description ? { description: o.description } : {}),
          ...(o.groups ? { groups: o.groups } : {}),
          ...(given ? { token: given } : {}),
        });
        const p = project().project;
        consoleLog(o.printJoinCommand ? `./kubelab${p ? ` -p ${p}` : ''} join --token ${t}` : t);
      },
    );
  token
    .command('list')
    .description('the bootstrap tokens, with their TTL, expiry, usages and groups')
    .action(async () => {
      for (const line of await listTokens(await labApiAccess(project()))) consoleLog(line);
    });
  token
    .command('delete')
    .argument(
      '<id>',
      'a token id ([a-z0-9]{6}) or a whole token',
      asArg((v) => (tokenId(v), v)),
    )
    .description('delete a bootstrap token: nodes can no longer join with it')
    .action(async (arg: string) => {
      consoleLog(`bootstrap token "${await deleteToken(await labApiAccess(project()), arg)}" deleted`);
    });
}
