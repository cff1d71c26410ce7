/**
 * Handle rules: 3–32 characters, starting with a letter, then letters, digits, `_` or
 * `.` (no two dots in a row, no dot at the end). Handles are unique ignoring case, the way
 * people read them: `Alice` and `alice` are the same handle.
 */
export const HANDLE_PATTERN = '^[A-Za-z](?:[A-Za-z0-9_]|\\.(?!\\.))*[A-Za-z0-9_]$';
const handlePattern = new RegExp(HANDLE_PATTERN);

export function isValidHandle(handle: string): boolean {
  return handle.length >= 3 && handle.length <= 32 && handlePattern.test(handle);
}

/** The key under which a handle is unique. */
export function handleKey(handle: string): string {
  return handle.toLowerCase();
}
