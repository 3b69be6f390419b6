/**
 * Errors a caller can act on. `InputError` means the input itself is bad (do not retry; mark the
 * image failed with its code and message). Anything else thrown by a stage is treated as transient.
 */
export class SpatialforgeError extends Error {
  constructor(
    message: string,
    /** Stable machine-readable code, e.g. `depth-size-mismatch`. */
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: names the input (file, URI or image id) and, where there is one, the field. */
export class InputError extends SpatialforgeError {
  constructor(
    message: string,
    code: string,
    readonly input?: string,
    readonly field?: string,
  ) {
    super(message, code);
  }
}

/** A configuration error that must stop a process at start, naming the setting and the fix. */
export class ConfigError extends SpatialforgeError {
  constructor(message: string, readonly setting?: string) {
    super(message, 'config');
  }
}

export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError;
}
