/** `docker build` and `docker pull` through the docker CLI (it streams the context and progress). */
import { run, tail } from '../exec.js';

export interface ImageBuilder {
  build(contextDir: string, dockerfile: string, tag: string, labels: Record<string, string>): Promise<void>;
  /** True when the pull succeeded within the time limit. */
  pull(image: string, timeoutMs: number): Promise<boolean>;
}

export class DockerCliBuilder implements ImageBuilder {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async build(contextDir: string, dockerfile: string, tag: string, labels: Record<string, string>): Promise<void> {
    const args = ['build', '-f', `${contextDir}/${dockerfile}`, '-t', tag];
    for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
    args.push(contextDir);
    const r = await run('docker', args, { env: this.env });
    if (r.code !== 0)
      throw new Error(`docker build of ${tag} failed (exit code ${r.code}):\n${tail(`${r.stdout}\n${r.stderr}`, 25)}`);
  }

  async pull(image: string, timeoutMs: number): Promise<boolean> {
    try {
      return (await run('docker', ['pull', '--quiet', image], { env: this.env, timeoutMs })).code === 0;
    } catch {
      return false;
    }
  }
}
