/**
 * Soak tests fail on lost progress, not on a fixed total: on a busy machine a run of thousands of
 * images takes longer but keeps moving, while a stuck one stops. A ProgressWatch is fed the amount of
 * work done so far (images through every stage) and throws once it has not grown for `stallMs`.
 */
import type { RunState } from '@spatialforge/core';

export class ProgressWatch {
  private best = -Infinity;
  private since = Date.now();

  /** @param stallMs the longest the work may stand still, ms; @param what what is watched, for the message */
  constructor(private readonly stallMs: number, private readonly what: string) {}

  /** Records `done`; throws naming how long nothing moved when `done` has not grown for stallMs. `detail` is added to the message. */
  check(done: number, detail: () => string = () => ''): void {
    const now = Date.now();
    if (done > this.best) {
      this.best = done;
      this.since = now;
      return;
    }
    if (now - this.since > this.stallMs) {
      throw new Error(`${this.what}: no progress for ${Math.round((now - this.since) / 1000)} s (stuck at ${done}; allowed ${this.stallMs / 1000} s) ${detail()}`);
    }
  }
}

/** A run's progress: every image finished (done, failed) at every stage, plus the run's status moving on. */
export function runProgress(run: RunState): number {
  const statusRank = ['pending', 'running', 'exporting', 'completed', 'failed', 'cancelled'].indexOf(run.status);
  return run.stages.reduce((sum, s) => sum + s.done + s.failed, 0) + statusRank;
}

/**
 * A node:test timeout that is only a safety net for a test that hangs without throwing: the test itself
 * fails through a ProgressWatch long before, however slow the machine.
 */
export const SOAK_SAFETY_TIMEOUT_MS = 90 * 60_000;
