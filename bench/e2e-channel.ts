/** How bench/e2e-stage.ts reports each handler call to bench/e2e.bench.ts, across threads. */
export const CHANNEL = 'spatialforge-e2e-bench';

/** One handler call: its stage, wall ms, the CPU ms of its thread meanwhile, and that thread's id. */
export interface HandlerSpan {
  stage: string;
  wallMs: number;
  threadCpuMs: number;
  /** CPU ms the thread had used when the call began (its start-up, for the first call on a pool thread). */
  threadCpuBeforeMs: number;
  tid: number;
}
