using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Hearth.Core.Providers;

/// <summary>
/// <c>HEARTH_HOME/providers.json</c>: the chat providers besides this machine's engine, and how requests are routed
/// among them. Written by hand, by <c>hearth providers</c> or by <c>/v1/providers</c>.
/// </summary>
public sealed class ProvidersFile
{
    public List<ProviderConfig> Providers { get; set; } = [];
    public RoutingConfig Routing { get; set; } = new();

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary>One OpenAI-compatible server: OpenAI, Ollama, LM Studio, vLLM, llama.cpp's server, another Hearth.</summary>
public sealed partial class ProviderConfig
{
    /// <summary>The prefix of its model ids (<c>name/model</c>): lower case letters, digits, '-' and '_'.</summary>
    public string Name { get; set; } = "";
    /// <summary>"openai" (any OpenAI-compatible server) or "hearth" (another Hearth; same wire).</summary>
    public string Kind { get; set; } = "openai";
    /// <summary>The API root, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1.</summary>
    public string BaseUrl { get; set; } = "";
    /// <summary>The key itself; prefer <see cref="ApiKeyEnv"/>. Never logged, never returned by the API.</summary>
    public string? ApiKey { get; set; }
    /// <summary>Name of the environment variable that holds the key.</summary>
    public string? ApiKeyEnv { get; set; }
    /// <summary>Inference stays on this device. Default: true for a loopback address, false otherwise.</summary>
    public bool? Local { get; set; }
    /// <summary>Lower goes first under the "priority" policy (this machine's engine is <see cref="RoutingConfig.LocalPriority"/>).</summary>
    public int Priority { get; set; } = 100;
    /// <summary>The models it serves; empty: asked from its <c>/models</c>.</summary>
    public List<string> Models { get; set; } = [];
    /// <summary>USD per million tokens, by model ("*" for any).</summary>
    public Dictionary<string, PriceConfig> Prices { get; set; } = [];
    /// <summary>How long a request waits for the first token before it moves on (null: 60 s).</summary>
    public int? FirstTokenTimeoutMs { get; set; }

    [JsonIgnore]
    public bool IsLocal => Local ?? (Uri.TryCreate(BaseUrl, UriKind.Absolute, out var u) && u.IsLoopback);

    /// <summary>The API key: the file's, else the environment variable's.</summary>
    public string? ResolveApiKey() =>
        !string.IsNullOrEmpty(ApiKey) ? ApiKey : ApiKeyEnv is { Length: > 0 } env ? Environment.GetEnvironmentVariable(env) : null;

    /// <summary>Throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public void Validate()
    {
        if (!NamePattern().IsMatch(Name)) throw new ArgumentException($"Provider name '{Name}' must be lower case letters, digits, '-' or '_'.", "name");
        if (Name is "local" or "browser" or "hf.co" or "default") throw new ArgumentException($"'{Name}' is reserved.", "name");
        if (Kind is not ("openai" or "hearth")) throw new ArgumentException($"Provider kind '{Kind}' is not one of openai, hearth.", "kind");
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
            throw new ArgumentException($"base_url '{BaseUrl}' is not an http(s) URL.", "base_url");
        if (FirstTokenTimeoutMs is < 1) throw new ArgumentException("first_token_timeout_ms must be positive.", "first_token_timeout_ms");
    }

    /// <summary>What the API shows: everything but the key, which is only said to be set.</summary>
    public object Redacted() => new
    {
        name = Name, kind = Kind, base_url = BaseUrl, local = IsLocal, priority = Priority, models = Models, prices = Prices,
        first_token_timeout_ms = FirstTokenTimeoutMs, api_key_env = ApiKeyEnv, api_key_set = !string.IsNullOrEmpty(ResolveApiKey()),
    };

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex NamePattern();
}

public sealed class PriceConfig
{
    public double InputPerMillion { get; set; }
    public double OutputPerMillion { get; set; }
}

/// <summary>Server-wide routing policy; each request may narrow it (see <see cref="Routing.RouteOptions"/>).</summary>
public sealed class RoutingConfig
{
    /// <summary>"priority" (lowest priority number first) or "cost" (cheapest first).</summary>
    public string Policy { get; set; } = "priority";
    /// <summary>Providers that keep inference on this device go first.</summary>
    public bool PreferLocal { get; set; } = true;
    /// <summary>Whether a failed request may move on to a provider that is not local.</summary>
    public bool CloudFallback { get; set; } = true;
    /// <summary>Nothing leaves the device: providers that are not local are never called.</summary>
    public bool OfflineOnly { get; set; }
    /// <summary>Time-to-first-token budget for every request (null: each provider's own timeout).</summary>
    public int? MaxTtftMs { get; set; }
    /// <summary>This machine's engine's place under the "priority" policy.</summary>
    public int LocalPriority { get; set; }
    /// <summary>Circuit breaker: the share of failed calls in <see cref="SamplingSeconds"/> that opens it...</summary>
    public double FailureRatio { get; set; } = 0.5;
    /// <summary>...once at least this many calls were made...</summary>
    public int MinimumThroughput { get; set; } = 2;
    public double SamplingSeconds { get; set; } = 30;
    /// <summary>...and for how long it stays open before one trial call may pass.</summary>
    public double BreakSeconds { get; set; } = 30;
    /// <summary>How often remote providers' <c>/models</c> are probed for health (0: only when listing).</summary>
    public double HealthCheckSeconds { get; set; }

    public void Validate()
    {
        if (Policy is not ("priority" or "cost")) throw new ArgumentException($"Routing policy '{Policy}' is not one of priority, cost.", "policy");
        if (FailureRatio is <= 0 or > 1) throw new ArgumentException("failure_ratio must be in (0, 1].", "failure_ratio");
        if (MinimumThroughput < 2) throw new ArgumentException("minimum_throughput must be at least 2.", "minimum_throughput");
        if (SamplingSeconds < 0.5 || BreakSeconds < 0.5) throw new ArgumentException("sampling_seconds and break_seconds must be at least 0.5.", "break_seconds");
        if (MaxTtftMs is < 1) throw new ArgumentException("max_ttft_ms must be positive.", "max_ttft_ms");
    }
}
