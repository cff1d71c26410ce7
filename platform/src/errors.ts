/**
 * Every error code the platform can answer with, its HTTP status and whether retrying
 * the same request may succeed. This is the whole failure surface of the platform in one
 * place; feature packages declare theirs the same way and throw `AppError`.
 * The browser app imports these codes too.
 */
export interface ErrorSpec<C extends string = string> {
  readonly code: C;
  readonly status: number;
  readonly retryable: boolean;
  /** What the code means, for the docs and for the default message. */
  readonly description: string;
}

/** Builds a code table whose keys are checked to equal their codes. */
export function defineErrors<const T extends Record<string, Omit<ErrorSpec, 'code'>>>(
  specs: T,
): { readonly [K in keyof T & string]: ErrorSpec<K> } {
  return Object.fromEntries(Object.entries(specs).map(([code, spec]) => [code, { code, ...spec }])) as never;
}

export const platformErrors = defineErrors({
  invalid_json: { status: 400, retryable: false, description: 'The request body is not valid JSON.' },
  validation_failed: { status: 400, retryable: false, description: 'The request does not match the schema; details lists the failing fields.' },
  invalid_cursor: { status: 400, retryable: false, description: 'The pagination cursor is malformed, forged or from another listing.' },
  invalid_idempotency_key: { status: 400, retryable: false, description: 'The Idempotency-Key header must be 1–255 visible ASCII characters.' },
  unauthorized: { status: 401, retryable: false, description: 'No valid access token was presented.' },
  token_expired: { status: 401, retryable: false, description: 'The access token has expired; refresh the session.' },
  invalid_credentials: { status: 401, retryable: false, description: 'The handle or password is wrong.' },
  invalid_refresh_token: { status: 401, retryable: false, description: 'The refresh token is unknown, expired or revoked.' },
  refresh_token_reused: { status: 401, retryable: false, description: 'A rotated refresh token was presented again; the whole session was revoked.' },
  forbidden: { status: 403, retryable: false, description: 'The caller may not do this.' },
  admin_only: { status: 403, retryable: false, description: 'Only accounts listed in ADMIN_HANDLES may use this route.' },
  not_found: { status: 404, retryable: false, description: 'No such route or resource.' },
  method_not_allowed: { status: 405, retryable: false, description: 'The route does not accept this method.' },
  handle_taken: { status: 409, retryable: false, description: 'Another account already has this handle.' },
  idempotency_request_in_flight: { status: 409, retryable: true, description: 'A request with this Idempotency-Key is still being processed.' },
  payload_too_large: { status: 413, retryable: false, description: 'The request body exceeds the size limit.' },
  unsupported_media_type: { status: 415, retryable: false, description: 'The Content-Type is not accepted by this route.' },
  idempotency_key_reused: { status: 422, retryable: false, description: 'This Idempotency-Key was used with a different request body.' },
  rate_limited: { status: 429, retryable: true, description: 'Too many requests; wait for Retry-After seconds.' },
  internal: { status: 500, retryable: true, description: 'An unexpected error; it has been logged with the request id.' },
  engine_unavailable: { status: 503, retryable: true, description: 'A storage or messaging engine is unreachable.' },
  shutting_down: { status: 503, retryable: true, description: 'The server is shutting down; retry on another node.' },
});

export type PlatformErrorCode = keyof typeof platformErrors;

/** A domain error: services throw it, the HTTP layer maps it to the envelope. */
export class AppError extends Error {
  readonly spec: ErrorSpec;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(spec: ErrorSpec, message?: string, options: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message ?? spec.description, { cause: options.cause });
    this.name = 'AppError';
    this.spec = spec;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get code(): string {
    return this.spec.code;
  }
}

/** The one error envelope every failing response carries. */
export interface ErrorEnvelope {
  error: { code: string; message: string; retryable: boolean; details?: unknown; requestId: string };
}
