/** `spatialforge reward`: a dense reward curve for a robot episode from the 3D distance between two objects. */
import { InvalidArgumentError, type Command } from 'commander';
import { annotateEpisode, writeRewardFiles } from '@spatialforge/research';
import { usageText } from '../help.js';

function metres(value: string): number {
  const n = Number(value);
  if (!(n >= 0)) throw new InvalidArgumentError(`expected a distance in metres ≥ 0, got ${value}`);
  return n;
}

function oddFrames(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n % 2 === 0) throw new InvalidArgumentError(`expected an odd number of frames, got ${value}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('reward')
    .description('Per-frame 3D distance between two objects of an episode, smoothed, as a dense reward with a success flag (JSON, CSV, PNG)')
    .requiredOption('--frames <dir>', 'episode folder: episode.json (spatialforge synth), frame folders with frame.json, or *.json frame manifests')
    .requiredOption('--a <phrase>', 'object A, e.g. "gripper"')
    .requiredOption('--b <phrase>', 'object B, e.g. "orange bottle"')
    .option('--threshold <m>', 'success when the final gap is at most this many metres', metres, 0.05)
    .option('--window <frames>', 'moving-median window, frames (odd)', oddFrames, 5)
    .option('--out <dir>', 'folder for reward.json, reward.csv and reward.png', 'reward')
    .addHelpText('after', usageText({ examples: ['spatialforge synth --episode --out episode', 'spatialforge reward --frames episode --a gripper --b "orange bottle" --out reward'] }))
    .action(async (opts: { frames: string; a: string; b: string; threshold: number; window: number; out: string }) => {
      const annotated = await annotateEpisode(opts.frames, { a: opts.a, b: opts.b, threshold: opts.threshold, window: opts.window });
      const files = await writeRewardFiles(opts.out, annotated);
      const { result } = annotated;
      const found = result.frames.filter((f) => f.gap !== null).length;
      console.log(`${result.frames.length} frames, ${found} with both objects; final gap ${result.final ? `${(result.final.gap * 100).toFixed(1)} cm` : 'unknown'} → ${result.success ? 'success' : 'no success'} (threshold ${result.threshold} m)`);
      console.log(`wrote ${files.json}, ${files.csv}, ${files.png}`);
    });
}
