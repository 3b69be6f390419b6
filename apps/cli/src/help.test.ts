/**
 * A command line that explains itself: `--version` prints the package's version; every command's help
 * has examples; a setting has one name and one default across commands; required options say so;
 * numbers print as numbers; no command offers an option it ignores; `synth` writes the folders its
 * help names.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from './program.js';

const cli = fileURLToPath(new URL('../bin/spatialforge.js', import.meta.url));

function run(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 120_000, cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The whole --help text of a command (commander's help plus what addHelpText puts after it). */
function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk) });
  command.outputHelp();
  return text;
}

/** Every command and sub-command, with its path ("models pull"). */
function allCommands(command: Command, path: string[] = []): [string, Command][] {
  return command.commands.flatMap((sub) => [[[...path, sub.name()].join(' '), sub] as [string, Command], ...allCommands(sub, [...path, sub.name()])]);
}

describe('spatialforge help', () => {
  let program: Command;
  let commands: [string, Command][];
  before(async () => {
    program = await buildProgram();
    commands = allCommands(program);
  });

  it('--version prints the version of apps/cli/package.json', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await run(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  });

  it('the top-level help has examples and says which environment each command needs', () => {
    const text = helpOf(program);
    assert.match(text, /Examples:\n {2}\$ spatialforge /);
    assert.match(text, /Environment/);
    for (const variable of ['REDIS_URL', 'OUTPUT', 'MODEL_CACHE_DIR']) assert.ok(text.includes(variable), variable);
    assert.match(text, /worker, submit.*REDIS_URL and OUTPUT/);
  });

  it('every command has examples of itself', () => {
    for (const [name, command] of commands) {
      const text = helpOf(command);
      const top = name.split(' ')[0];
      assert.match(text, /Examples:\n {2}\$ spatialforge /, `${name} --help has no examples`);
      assert.ok(text.includes(`$ spatialforge ${top}`) || text.includes(`spatialforge ${top} `), `${name}'s examples use ${top}`);
    }
  });

  it('one name and one default per setting across commands', () => {
    const seen = new Map<string, { description: string; command: string }>();
    for (const [name, command] of commands) {
      for (const option of command.options) {
        assert.notEqual(option.long, '--max-qa', `${name} still offers --max-qa`);
        const defaultText = /\(default: [^)]*\)/.exec(option.description)?.[0] ?? JSON.stringify(option.defaultValue);
        const previous = seen.get(option.long!);
        if (previous && option.long!.startsWith('--qa-')) {
          assert.equal(defaultText, previous.description, `${option.long}: ${name} and ${previous.command} disagree`);
        }
        if (!previous) seen.set(option.long!, { description: defaultText, command: name });
      }
    }
    const scene = commands.find(([name]) => name === 'scene')![1];
    for (const flag of ['--qa-max', '--qa-quota', '--qa-types', '--units', '--seed']) {
      assert.ok(scene.options.some((o) => o.long === flag), `scene offers ${flag} as run does`);
    }
  });

  it('required options say so; numeric defaults print as numbers', () => {
    let required = 0;
    for (const [name, command] of commands) {
      for (const option of command.options) {
        if (option.mandatory) {
          required++;
          assert.match(option.description, /\(required\)$/, `${name} ${option.long}`);
        }
      }
      assert.doesNotMatch(helpOf(command), /\(default: "\d+(\.\d+)?"\)/, `${name} prints a number as a string`);
    }
    assert.ok(required >= 5, `${required} required options found`);
  });

  it('inspect offers no option it ignores (no dataset: no --formats, no --batch-size)', () => {
    const inspect = commands.find(([name]) => name === 'inspect')![1];
    const flags = inspect.options.map((o) => o.long);
    assert.ok(!flags.includes('--formats') && !flags.includes('--batch-size'), flags.join(' '));
    assert.ok(flags.includes('--detect-model') && flags.includes('--qa-max'));
  });

  describe('synth', () => {
    let dir: string;
    before(async () => (dir = await mkdtemp(join(tmpdir(), 'sf-help-synth-'))));
    after(() => rm(dir, { recursive: true, force: true }));

    it('writes the scene folders its help names', async () => {
      const synth = commands.find(([name]) => name === 'synth')![1];
      const promised = [...helpOf(synth).matchAll(/(scene-\d+)\//g)].map((m) => m[1]);
      assert.ok(promised.length >= 2, helpOf(synth));
      const made = await run(['synth', '--scenes', '2', '--width', '96', '--height', '72', '--out', dir]);
      assert.equal(made.code, 0, made.stderr);
      assert.deepEqual((await readdir(dir)).sort(), promised.slice(0, 2));
    });
  });
});
