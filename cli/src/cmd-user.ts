/**
 * `kubelab user add NAME [--group G]...`: a practice user with a client certificate of the cluster
 * CA (users.ts) and a kubeconfig context `NAME@<lab>` in the file kubectl uses, so that
 * `kubectl --context NAME@<lab> ...` acts as that user. Exit codes: 0 done, 1 refused, 2 bad arguments.
 */
import { realpath } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { readIfExists, userKubeconfigPath, withFileLock, writePrivate } from './kubeconfig-file.js';
import { kubeconfigName } from './kubeconfig.js';
import { labApiAccess, labSettings, type LabOptions } from './lab.js';
import { consoleLog } from './output.js';
import { mergeUserContext, userContextName } from './user-kubeconfig.js';
import { checkUserName, issueUser } from './users.js';

const userArg = (v: string): string => {
  try {
    return checkUserName(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

export function addUserCommands(program: Command, project: () => LabOptions): void {
  const user = program
    .command('user')
    .description('practice users with client certificates of the cluster CA (for RBAC: bind roles to them)');
  user
    .command('add')
    .argument('<name>', 'the user name (the certificate CN, what RoleBindings name)', userArg)
    .description('issue a client certificate for NAME through the CSR API and add the kubeconfig context NAME@<lab>')
    .option(
      '--group <group>',
      'a group the user is in (the certificate O); repeat for several',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--days <n>', 'how long the certificate is valid', (v: string) => Number.parseInt(v, 10), 365)
    .option('-n, --namespace <ns>', "the context's namespace")
    .action(async (name: string, o: { group: string[]; days: number; namespace?: string }) => {
      const s = labSettings(project());
      const api = await labApiAccess(project());
      const issued = await issueUser(api, name, o.group, { days: o.days });
      let path = userKubeconfigPath(s.env);
      path = await realpath(path).catch(() => path);
      const cluster = kubeconfigName(s.project);
      const entry = {
        cluster,
        server: s.apiUrl,
        caCert: api.caCert,
        user: name,
        cert: issued.cert,
        key: issued.key,
        ...(o.namespace ? { namespace: o.namespace } : {}),
      };
      await withFileLock(path, async () => writePrivate(path, mergeUserContext(await readIfExists(path), entry, path)));
      const ctx = userContextName(name, cluster);
      consoleLog(
        `user "${name}"${o.group.length ? ` (groups ${o.group.join(', ')})` : ''}: certificate signed (CertificateSigningRequest ${issued.csrName}); context ${ctx} added to ${path}`,
      );
      consoleLog(`try: kubectl --context ${ctx} auth whoami`);
    });
}
