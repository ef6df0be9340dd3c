namespace Hearth.Core.OpenAI;

/// <summary>
/// An error a client can see, already in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>
/// with its HTTP status. Everything the service refuses goes through this one type.
/// </summary>
public sealed class ApiException(int status, string message, string type, string? param = null, string? code = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    /// <summary>Seconds a client should wait before retrying (429, 503).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException InvalidRequest(string message, string? param = null, string? code = null) =>
        new(400, message, "invalid_request_error", param, code);

    public static ApiException InvalidType(string param, string expected) =>
        InvalidRequest($"Invalid type for '{param}': expected {expected}.", param, "invalid_type");

    public static ApiException InvalidValue(string param, string message) =>
        InvalidRequest($"Invalid value for '{param}': {message}", param, "invalid_value");

    public static ApiException Unsupported(string param, string why) =>
        InvalidRequest($"Unsupported parameter '{param}': {why}", param, "unsupported_parameter");

    public static ApiException ModelNotFound(string model, string? why = null) =>
        new(404, $"The model '{model}' does not exist or is not available here. {(why is null ? "" : why + " ")}GET /v1/models lists the models this server can load.",
            "invalid_request_error", "model", "model_not_found");

    public static ApiException NotFound(string what, string id, string code) =>
        new(404, $"No {what} with id '{id}'.", "invalid_request_error", null, code);

    public static ApiException ContextLengthExceeded(string message) =>
        InvalidRequest(message, "messages", "context_length_exceeded");

    public static ApiException Unauthorized(string message) =>
        new(401, message, "invalid_request_error", null, "invalid_api_key");

    public static ApiException PayloadTooLarge(long limit) =>
        new(413, $"The request body is larger than this server's limit of {limit} bytes.", "invalid_request_error", null, "request_too_large");

    public static ApiException Busy(int retryAfterSeconds) =>
        new(429, "Too many concurrent requests: the queue is full. Retry after a moment.", "rate_limit_error", null, "queue_full")
        { RetryAfterSeconds = retryAfterSeconds };

    public static ApiException Unavailable(string message, Exception? inner = null) =>
        new(503, message, "server_error", null, "service_unavailable", inner) { RetryAfterSeconds = 5 };

    public static ApiException Internal(string message, Exception? inner = null) =>
        new(500, message, "server_error", null, "internal_error", inner);
}
