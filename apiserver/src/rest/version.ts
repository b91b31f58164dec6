/** `/version`: the Kubernetes version this facade speaks, close to the kubectl clients it serves. */

export const SERVED_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0' } as const;

export function versionInfo(): Record<string, string> {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return {
    major: SERVED_VERSION.major,
    minor: SERVED_VERSION.minor,
    gitVersion: SERVED_VERSION.gitVersion,
    gitCommit: 'kubelab',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${arch}`,
  };
}
