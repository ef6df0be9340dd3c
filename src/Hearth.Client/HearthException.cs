namespace Hearth.Client;

/// <summary>
/// A refusal or failure from a Hearth service or an OpenAI-compatible server, in OpenAI's terms: HTTP status,
/// error type, code and param. Thrown alike by <see cref="HearthClient"/> and by Hearth hosted in process.
/// </summary>
public class HearthException(int status, string message, string? type = null, string? code = null, string? param = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int Status { get; } = status;
    public string? Type { get; } = type;
    public string? Code { get; } = code;
    public string? Param { get; } = param;
    /// <summary>Seconds the server asked us to wait (Retry-After), when it said.</summary>
    public int? RetryAfterSeconds { get; init; }
}
