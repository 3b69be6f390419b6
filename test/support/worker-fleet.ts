/**
 * A fleet of `spatialforge worker` child processes for the fault tests: any member can be killed with
 * SIGKILL and is replaced by a fresh process at once, as a Kubernetes Deployment would do. A member
 * that dies without being killed is counted as a crash (and replaced too, so one crash does not stall
 * the run; the tests assert there were none). Every member's output is kept for the failure message.
 */
import { startCli, type CliProcess } from '../factory-support.js';

export interface WorkerFleet {
  readonly size: number;
  /** The live member in each slot. */
  members(): readonly CliProcess[];
  /** SIGKILLs the member in `slot`, waits for it to die, and starts its replacement. */
  killAndReplace(slot: number): Promise<void>;
  /** Waits until every member has said it is ready (bounded). */
  ready(timeoutMs?: number): Promise<void>;
  /** Waits until the member now in `slot` has said it is ready (bounded). */
  slotReady(slot: number, timeoutMs?: number): Promise<void>;
  readonly kills: number;
  /** Members that exited although nobody killed them, with their last output. */
  readonly crashes: { slot: number; code: number | null; output: string }[];
  /** The tail of every member's output so far (dead ones included), for failure messages. */
  output(): string;
  /** SIGTERM to every member (they finish the batches in hand); resolves with their exit codes. */
  stop(): Promise<(number | null)[]>;
  /** SIGKILL to whatever is still running. */
  destroy(): void;
}

const READY_LINE = /worker ready: stages \S+, http port \d+/;

export function startWorkerFleet(size: number, env: Record<string, string>, args: string[] = []): WorkerFleet {
  const slots: CliProcess[] = [];
  const expectedExits = new WeakSet<CliProcess>();
  const crashes: WorkerFleet['crashes'] = [];
  const finished: string[] = [];
  let kills = 0;
  let stopping = false;

  const launch = (slot: number) => {
    const member = startCli(['worker', '--port', '0', ...args], env);
    slots[slot] = member;
    void member.exited.then((code) => {
      finished.push(`--- worker slot ${slot} (pid ${member.child.pid}, exit ${code ?? member.child.signalCode}) ---\n${member.output().slice(-3000)}`);
      if (expectedExits.has(member) || stopping) return;
      crashes.push({ slot, code, output: member.output().slice(-3000) });
      if (slots[slot] === member) launch(slot);
    });
  };
  for (let slot = 0; slot < size; slot++) launch(slot);

  return {
    size,
    members: () => slots,
    async killAndReplace(slot) {
      const victim = slots[slot]!;
      expectedExits.add(victim);
      victim.child.kill('SIGKILL');
      await victim.exited;
      kills++;
      launch(slot);
    },
    async ready(timeoutMs = 120_000) {
      await Promise.all(slots.map((member) => member.waitForOutput(READY_LINE, timeoutMs)));
    },
    async slotReady(slot, timeoutMs = 120_000) {
      await slots[slot]!.waitForOutput(READY_LINE, timeoutMs);
    },
    get kills() {
      return kills;
    },
    crashes,
    output: () => [...finished, ...slots.map((member, slot) => `--- worker slot ${slot} (running) ---\n${member.output().slice(-3000)}`)].join('\n'),
    async stop() {
      stopping = true;
      for (const member of slots) member.child.kill('SIGTERM');
      return Promise.all(slots.map((member) => member.exited));
    },
    destroy() {
      stopping = true;
      for (const member of slots) if (member.child.exitCode === null && member.child.signalCode === null) member.child.kill('SIGKILL');
    },
  };
}
