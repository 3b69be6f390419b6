/** What every command's --help ends with: examples to copy, and the environment the command reads. */
import type { Command } from 'commander';

export interface Usage {
  /** Command lines a user can run as they are (without the leading `$`). */
  examples: string[];
  /** The environment variables the command needs or reads, in a sentence. */
  environment?: string;
}

/** The text after the options: `Examples:` with one command line each, then `Environment:`. */
export function usageText({ examples, environment }: Usage): string {
  const text = ['', 'Examples:', ...examples.map((line) => `  $ ${line}`)];
  if (environment) text.push('', `Environment: ${environment}`);
  return text.join('\n');
}

export function usage<C extends Command>(command: C, text: Usage): C {
  command.addHelpText('after', usageText(text));
  return command;
}
