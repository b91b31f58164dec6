/**
 * `kubelab chaos run FILE` (the CLI loads this module at run time): reads and validates the file,
 * attaches to the lab, runs the scenario with progress lines, prints the report (--json: the
 * report as JSON on stdout, progress on stderr). Returns the exit code: 0 it held, 1 a probe
 * failed, a step failed or a fault was left, 2 a bad file, 130 interrupted (Ctrl-C; a second one
 * exits at once).
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { attach } from './lab.js';
import { parseScenario, ScenarioError } from './scenario.js';
import { formatScenarioReport } from './scenario-report.js';
import { runScenario } from './scenario-run.js';
import { describePlan, planScenario } from './scenario-plan.js';

export interface ScenarioCliOptions {
  project?: string;
  json?: boolean;
  seed?: number;
  /** Only validate the file and print its schedule (no lab needed). */
  dryRun?: boolean;
}

const write = (stream: NodeJS.WriteStream) => (line: string) => stream.write(`${line}\n`);

export async function runScenarioFile(file: string, o: ScenarioCliOptions): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    process.stderr.write(`kubelab: chaos run: ${(err as Error).message}\n`);
    return 2;
  }
  let scenario: ReturnType<typeof parseScenario>;
  try {
    scenario = parseScenario(text, file);
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    for (const p of err.problems) process.stderr.write(`${p}\n`);
    process.stderr.write(
      `kubelab: chaos run: ${file}: ${err.problems.length} problem(s); see kubelab chaos run --help\n`,
    );
    return 2;
  }
  if (o.dryRun) {
    const seed = o.seed ?? scenario.seed ?? randomInt(2 ** 32 - 1);
    write(process.stdout)(`${file}: scenario "${scenario.name}" is valid; its schedule with seed ${seed}:`);
    for (const line of describePlan(scenario, planScenario(scenario, seed))) write(process.stdout)(`  ${line}`);
    return 0;
  }
  const progress = write(o.json ? process.stderr : process.stdout);
  const lab = await attach(o.project ? { project: o.project } : {});
  const ac = new AbortController();
  const stop = () => {
    progress('interrupted (Ctrl-C): healing what was injected; Ctrl-C again exits at once');
    ac.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const report = await runScenario(lab, scenario, {
      log: progress,
      signal: ac.signal,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    });
    if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else write(process.stdout)(formatScenarioReport(report, scenario));
    return report.exitCode;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}
