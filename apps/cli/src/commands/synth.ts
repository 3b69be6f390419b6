/** `spatialforge synth`: synthetic RGB-D scenes (or a robot episode) with exact ground truth. */
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { integerFrom } from '../arguments.js';
import { InputError } from '@spatialforge/core';
import { MAX_OBJECTS, generateEpisode, generateHardScene, generateScene, sceneFolderName, writeEpisode, writeScene, type HardDepth } from '@spatialforge/synth';
import { usageText } from '../help.js';

interface SynthOptions {
  scenes: number;
  seed: number;
  out: string;
  width: number;
  height: number;
  objects?: number;
  episode?: boolean;
  frames: number;
  hard?: HardDepth;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('Render synthetic RGB-D scenes with exact ground truth (frame.json, rgb.png, depth.png, instances.png, truth.json per scene)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--scenes <n>', `scenes to render; scene i uses seed S + i and goes to ${sceneFolderName(0)}/, ${sceneFolderName(1)}/, …`, integerFrom(1), 1)
    .option('--seed <s>', 'seed of the first scene', integerFrom(0), 0)
    .option('--width <px>', 'image width', integerFrom(64, 4096), 640)
    .option('--height <px>', 'image height', integerFrom(48, 4096), 480)
    .option('--objects <n>', 'objects per scene, tables included (default: drawn from 4-8)', integerFrom(1, MAX_OBJECTS))
    .option('--episode', 'render one episode instead: a gripper moving to an orange bottle, one frame-NNN/ folder per frame and episode.json')
    .option('--frames <n>', 'frames of the episode', integerFrom(2, 1000), 30)
    .option('--hard [sensor]', 'hard scenes: overlapping and border-cut objects, clutter, jittered boxes only (no masks in frame.json), depth degraded like a kinect (default) or a lidar', hardSensor)
    .addHelpText('after', usageText({ examples: ['spatialforge synth --scenes 3 --seed 11 --out synth', 'spatialforge synth --scenes 20 --hard lidar --out hard', 'spatialforge synth --episode --frames 30 --out episode'] }))
    .action(async (opts: SynthOptions) => {
      const { width, height } = opts;
      if (opts.episode) {
        const episode = layoutOrExplain(() => generateEpisode({ seed: opts.seed, frames: opts.frames, width, height }), '--width');
        const manifest = await writeEpisode(episode, opts.out);
        const first = manifest.frames[0];
        const last = manifest.frames[manifest.frames.length - 1];
        console.log(
          `wrote episode ${episode.id} to ${opts.out}: ${manifest.frames.length} frames, ` +
            `A = ${episode.a.id} "${episode.a.phrase}", B = ${episode.b.id} "${episode.b.phrase}", ` +
            `gap ${first.gap.toFixed(3)} m → ${last.gap.toFixed(3)} m (episode.json)`,
        );
        return;
      }
      for (let i = 0; i < opts.scenes; i++) {
        const seed = opts.seed + i;
        const options = { seed, width, height, objectCount: opts.objects };
        const scene = layoutOrExplain(() => (opts.hard ? generateHardScene({ ...options, sensor: opts.hard }) : generateScene(options)), '--objects');
        const dir = join(opts.out, sceneFolderName(i));
        await writeScene(scene, dir);
        const labels = scene.objects.map((object) => `${object.colour} ${object.label}`).join(', ');
        console.log(`${dir}: seed ${seed}, ${scene.objects.length} objects (${labels})`);
      }
      console.log(`wrote ${opts.scenes} scene${opts.scenes === 1 ? '' : 's'} to ${opts.out}`);
    });
}

function hardSensor(value: string | true): HardDepth {
  if (value === true || value === 'kinect') return 'kinect';
  if (value === 'lidar') return 'lidar';
  throw new InvalidArgumentError(`expected kinect or lidar, got ${value}`);
}

/** A layout that finds no room (an image too small for the objects asked) is the user's to change: say which option. */
function layoutOrExplain<T>(generate: () => T, option: string): T {
  try {
    return generate();
  } catch (err) {
    if (err instanceof RangeError) throw new InputError(err.message, 'synth-layout', undefined, option);
    throw err;
  }
}
