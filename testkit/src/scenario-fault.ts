/**
 * The `fault:` of a scenario step: the words after `kubelab chaos`, e.g. "kill scheduler",
 * "pause kube-proxy", "partition kubelab-kubelet-1 --from apiserver-lb", "latency kube-proxy 200ms
 * --jitter 20ms", "loss random node 10%". TARGET is as for `kubelab chaos`, or one picked from the
 * scenario's seed: `random node`, `random component` (a compose service other than the kubelets),
 * `random pod SELECTOR [-n NAMESPACE]` (a live pod of that label selector).
 */
import { parseDuration, parsePercent } from '@kubelab/cli/chaos/parse';
import type { Fault } from './fault.js';

export const VERBS = ['kill', 'restart', 'stop', 'pause', 'partition', 'latency', 'loss'] as const;
export type Verb = (typeof VERBS)[number];

/** Faults that undo themselves (the restart policy brings the container back): no `for`. */
export const SELF_HEALING: ReadonlySet<Verb> = new Set(['kill', 'restart']);

export type TargetSpec =
  | { kind: 'named'; name: string }
  | { kind: 'random'; among: 'node' | 'component' }
  | { kind: 'random'; among: 'pod'; selector: string; namespace: string };

export interface FaultSpec {
  /** As written in the file. */
  text: string;
  verb: Verb;
  target: TargetSpec;
  /** The fault on the target once it is known (a random one is picked when the step runs). */
  make(target: string): Fault;
}

const OPTIONS: Record<Verb, readonly string[]> = {
  kill: [],
  restart: [],
  stop: [],
  pause: [],
  partition: ['--from'],
  latency: ['--jitter', '--loss', '--to'],
  loss: [],
};

const ARGS: Record<Verb, string> = {
  kill: 'TARGET',
  restart: 'TARGET',
  stop: 'TARGET',
  pause: 'TARGET',
  partition: 'TARGET [--from PEER]',
  latency: 'TARGET DELAY [--jitter DURATION] [--loss PERCENT] [--to PEER]',
  loss: 'TARGET PERCENT',
};

export const describeTarget = (t: TargetSpec): string =>
  t.kind === 'named'
    ? t.name
    : t.among === 'pod'
      ? `random pod ${t.selector}${t.namespace !== 'default' ? ` -n ${t.namespace}` : ''}`
      : `random ${t.among}`;

/** Parses one fault; throws an Error whose message follows `Invalid value: "…": ` (the caller adds the field path). */
export function parseFault(text: string): FaultSpec {
  const bad = (why: string): Error => new Error(`Invalid value: "${text}": ${why}`);
  const words = text.trim().split(/\s+/).filter(Boolean);
  const verb = words.shift() as Verb | undefined;
  if (!verb || !VERBS.includes(verb)) throw bad(`unknown fault, want one of ${VERBS.join('|')}`);
  const usage = `want "${verb} ${ARGS[verb]}"`;
  const opts = new Map<string, string>();
  const positional: string[] = [];
  let namespace: string | undefined;
  while (words.length > 0) {
    const w = words.shift()!;
    if (w === '-n' || w === '--namespace') {
      namespace = words.shift();
      if (!namespace) throw bad(`${w} needs a namespace`);
    } else if (w.startsWith('-')) {
      if (!OPTIONS[verb].includes(w)) throw bad(`${verb} has no option ${w}: ${usage}`);
      const v = words.shift();
      if (v === undefined) throw bad(`${w} needs a value: ${usage}`);
      opts.set(w, v);
    } else positional.push(w);
  }
  let target: TargetSpec;
  if (positional[0] === 'random') {
    const among = positional[1];
    if (among === 'node' || among === 'component') {
      target = { kind: 'random', among };
      positional.splice(0, 2);
    } else if (among === 'pod') {
      const selector = positional[2];
      if (!selector) throw bad('random pod needs a label selector, e.g. "random pod app=web"');
      target = { kind: 'random', among, selector, namespace: namespace ?? 'default' };
      positional.splice(0, 3);
    } else throw bad('want "random node", "random component" or "random pod SELECTOR"');
  } else {
    const name = positional.shift();
    if (!name) throw bad(`no target: ${usage}`);
    target = { kind: 'named', name };
  }
  if (namespace !== undefined && !(target.kind === 'random' && target.among === 'pod'))
    throw bad('-n goes with "random pod SELECTOR" only (a named pod is pod/NAMESPACE/NAME)');
  const want = verb === 'latency' || verb === 'loss' ? 1 : 0;
  if (positional.length !== want)
    throw bad(
      positional.length > want
        ? `unexpected "${positional.slice(want).join(' ')}": ${usage}`
        : `too few words: ${usage}`,
    );
  const make = maker(verb, positional[0], opts, bad);
  return { text, verb, target, make };
}

function maker(verb: Verb, arg: string | undefined, opts: Map<string, string>, bad: (why: string) => Error) {
  const check = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw bad((err as Error).message);
    }
  };
  switch (verb) {
    case 'kill':
    case 'restart':
    case 'stop':
    case 'pause':
      return (target: string): Fault => ({ kind: verb, target });
    case 'partition': {
      const from = opts.get('--from');
      return (target: string): Fault => ({ kind: 'partition', target, ...(from ? { from } : {}) });
    }
    case 'latency': {
      const delayMs = check(() => parseDuration(arg!, 'DELAY'));
      const jitterMs = check(() => parseDuration(opts.get('--jitter') ?? '0ms', '--jitter'));
      const loss = check(() => parsePercent(opts.get('--loss') ?? '0%', '--loss'));
      const to = opts.get('--to');
      return (target: string): Fault => ({
        kind: 'latency',
        target,
        delayMs,
        jitterMs,
        lossPercent: loss * 100,
        ...(to ? { to } : {}),
      });
    }
    case 'loss': {
      const percent = check(() => parsePercent(arg!, 'PERCENT')) * 100;
      return (target: string): Fault => ({ kind: 'loss', target, percent });
    }
    default: {
      const never: never = verb;
      throw bad(`unknown fault ${String(never)}`);
    }
  }
}
