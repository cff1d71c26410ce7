/**
 * The error the SDK throws for an HTTP answer outside 2xx: the platform's error envelope
 * (`{"error":{code,message,retryable,details,requestId}}`) made into an Error, so an app
 * can branch on `code` (e.g. `invalid_link_code`, `device_limit`, `not_a_member`).
 */
export class ChatApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryable: boolean;
  readonly details: unknown;
  readonly requestId: string | undefined;

  constructor(status: number, envelope: { code?: string; message?: string; retryable?: boolean; details?: unknown; requestId?: string } | undefined) {
    super(envelope?.message ?? `HTTP ${status}`);
    this.name = 'ChatApiError';
    this.status = status;
    this.code = envelope?.code ?? (status >= 500 ? 'server_error' : 'http_error');
    this.retryable = envelope?.retryable ?? status >= 500;
    this.details = envelope?.details;
    this.requestId = envelope?.requestId;
  }
}
