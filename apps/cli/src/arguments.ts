/** Option value parsers shared by commands: a bad value stops with commander's message naming the option. */
import { InvalidArgumentError } from 'commander';

/** An integer from `min` to `max`. */
export function integerFrom(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `expected an integer ≥ ${min}, got ${value}` : `expected an integer from ${min} to ${max}, got ${value}`);
    }
    return n;
  };
}

export const wholeNumber = integerFrom(0);
