// OpenAI-style errors: every failure a client can see goes through ApiError and leaves as
// {"error":{"message","type","param","code"}} with a matching HTTP status.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, 'invalid_request_error', param, code);

export const modelNotFound = (model: string) =>
  new ApiError(404, `The model '${model}' does not exist or is not available in this runtime.`,
    'invalid_request_error', 'model', 'model_not_found');

export const conversationNotFound = (id: string, param: string | null = null) =>
  new ApiError(404, `No conversation with id '${id}'.`, 'invalid_request_error', param, 'conversation_not_found');

export const contextLengthExceeded = (detail: string) =>
  new ApiError(400, `This model's context window is too small for the messages: ${detail}. ` +
    'Shorten the messages or start a new conversation.', 'invalid_request_error', 'messages', 'context_length_exceeded');

/** The browser refused to store more data: say so plainly and point at the fix. */
export const storageQuotaExceeded = (neededBytes: number | null, freeBytes: number | null) => {
  const mb = (n: number) => `${Math.ceil(n / 1e6)} MB`;
  const sizes = neededBytes !== null && freeBytes !== null ? ` (${mb(neededBytes)} needed, ${mb(freeBytes)} free)` : '';
  return new ApiError(507, `The browser has no room left to store this model${sizes}. ` +
    'Delete a downloaded model to free space, then try again.', 'storage_error', null, 'storage_quota_exceeded');
};

export const internalError = (message: string) => new ApiError(500, message, 'server_error');

/** Turns anything thrown into an ApiError, keeping ones that already are. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isQuotaError(err)) return storageQuotaExceeded(null, null);
  const message = err instanceof Error ? err.message : String(err);
  return internalError(message || 'Unknown error');
}

export function isQuotaError(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.code === 22);
}
