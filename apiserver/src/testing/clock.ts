/** A clock that moves only when a test says so. */
import type { Clock } from '@kubelab/api';

export class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2024, 0, 1, 0, 0, 0)) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
