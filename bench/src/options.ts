/** The value after `--name` in a diagnostic's arguments, else `fallback`; without either, an error. */
export function option(args: readonly string[], name: string, fallback?: string): string {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 && args[at + 1] ? args[at + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}
