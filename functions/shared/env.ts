/**
 * Reading a handler's configuration from its environment, shared by the scheduled functions:
 * a malformed value stops the function at cold start with a message naming the variable.
 */

/**
 * The whole number in `env[key]` within `min`..`max`, or `fallback` when unset or blank;
 * anything else throws `fail` with the variable, the range and the value.
 */
export function envInteger(
  env: NodeJS.ProcessEnv,
  key: string,
  range: { readonly fallback: number; readonly min: number; readonly max: number },
  fail: new (message: string) => Error,
): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === "") return range.fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < range.min || value > range.max) {
    throw new fail(`${key} must be a whole number from ${range.min} to ${range.max}, got "${raw}"`);
  }
  return value;
}
