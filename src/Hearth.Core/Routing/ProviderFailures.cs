using Hearth.Client;
using Hearth.Core.OpenAI;
using Hearth.Engine;
using Polly.CircuitBreaker;

namespace Hearth.Core.Routing;

/// <summary>Which failures before the first token let a request move on to the next provider, and which count against a provider's health.</summary>
public static class ProviderFailures
{
    /// <summary>The provider could not answer (down, overloaded, too slow, lacks the model): try the next one.</summary>
    public static bool CanFallBack(Exception e) => e switch
    {
        BrokenCircuitException => true,
        HearthException h => h.Status is >= 500 or 429 or 408 or 404,
        ApiException a => a.Status is >= 500 or 429 or 404 or 507,
        ContextOverflowException or ArgumentException or NotSupportedException => false,
        Registry.ModelNotFoundException or Models.ModelException => true,
        HttpRequestException or IOException or TimeoutException or OperationCanceledException => true,
        _ => true, // an engine crash is the provider's failure, not the request's
    };

    /// <summary>Counts toward opening a provider's circuit: the provider itself is failing, not the request.</summary>
    public static bool IsProviderFault(Exception e) => e switch
    {
        HearthException h => h.Status is >= 500 or 429 or 408,
        HttpRequestException or IOException or TimeoutException => true,
        OperationCanceledException => true, // only reaches the breaker when the caller did not cancel
        _ => false,
    };

    /// <summary>A short reason for logs, traces and the passed-over list (never a key or a prompt).</summary>
    public static string Reason(Exception e) => e switch
    {
        BrokenCircuitException => "circuit open",
        TimeoutException t => t.Message,
        HearthException h => $"HTTP {h.Status}{(h.Code is null ? "" : " " + h.Code)}",
        HttpRequestException { HttpRequestError: var kind } => $"connection failed ({kind})",
        IOException => "stream cut",
        _ => e.GetType().Name,
    };

    /// <summary>A provider's error as this server's client should see it.</summary>
    public static Exception ForClient(string provider, Exception e) => e switch
    {
        HearthException h => new ApiException(h.Status is >= 400 and < 600 ? h.Status : 502, $"Provider '{provider}': {h.Message}",
            h.Type ?? (h.Status >= 500 ? "server_error" : "invalid_request_error"), h.Param, h.Code, h) { RetryAfterSeconds = h.RetryAfterSeconds },
        BrokenCircuitException => ApiException.Unavailable($"Provider '{provider}' is failing and is being given a rest (circuit open).", e),
        TimeoutException => new ApiException(504, $"Provider '{provider}': {e.Message}", "server_error", null, "timeout", e),
        HttpRequestException or IOException => new ApiException(502, $"Provider '{provider}' could not be reached: {e.Message}", "server_error", null, "provider_unreachable", e),
        Registry.ModelNotFoundException or Models.ModelException => Chat.ChatCompletionHandler.ModelError(e is Registry.ModelNotFoundException m ? m.Model : provider, e),
        _ => e,
    };
}
