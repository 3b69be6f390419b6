/**
 * Typed settings from environment variables, parsed once at start-up. Every variable the system reads
 * is declared through these functions, so `registeredSettings()` lists them all (the deploy tests use
 * it to check that every variable a manifest sets is one the code reads). An invalid value throws a
 * ConfigError naming the variable and what it expects.
 */
import { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;

export interface Setting<T> {
  readonly name: string;
  readonly description: string;
  /** The default as shown to people ("" when none). */
  readonly defaultText: string;
  read(env?: Env): T;
}

const registry = new Map<string, Setting<unknown>>();

function define<T>(name: string, description: string, defaultText: string, parse: (raw: string) => T, fallback: () => T): Setting<T> {
  const existing = registry.get(name);
  if (existing) return existing as Setting<T>;
  const setting: Setting<T> = {
    name,
    description,
    defaultText,
    read(env: Env = process.env) {
      const raw = env[name];
      return raw === undefined || raw === '' ? fallback() : parse(raw.trim());
    },
  };
  registry.set(name, setting as Setting<unknown>);
  return setting;
}

export function stringSetting(name: string, description: string): Setting<string | undefined>;
export function stringSetting(name: string, description: string, defaultValue: string): Setting<string>;
export function stringSetting(name: string, description: string, defaultValue?: string): Setting<string | undefined> {
  return define(name, description, defaultValue ?? '', (raw) => raw, () => defaultValue);
}

export function numberSetting(
  name: string,
  description: string,
  defaultValue: number,
  { min = -Infinity, max = Infinity, integer = false }: { min?: number; max?: number; integer?: boolean } = {},
): Setting<number> {
  return define(name, description, String(defaultValue), (raw) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      const kind = integer ? 'an integer' : 'a number';
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected ${kind} from ${min} to ${max}`, name);
    }
    return value;
  }, () => defaultValue);
}

export function booleanSetting(name: string, description: string, defaultValue: boolean): Setting<boolean> {
  return define(name, description, String(defaultValue), (raw) => {
    const lower = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
    if (['0', 'false', 'no', 'off'].includes(lower)) return false;
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected true or false`, name);
  }, () => defaultValue);
}

export function enumSetting<const T extends string>(name: string, description: string, values: readonly T[], defaultValue: T): Setting<T> {
  return define(name, description, defaultValue, (raw) => {
    if (!(values as readonly string[]).includes(raw)) {
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: expected one of ${values.join(', ')}`, name);
    }
    return raw as T;
  }, () => defaultValue);
}

/** Every setting declared so far (import the packages first). */
export function registeredSettings(): Setting<unknown>[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}
