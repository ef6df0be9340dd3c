namespace Hearth.Core.Models;

/// <summary>Where models live and how they are fetched; <see cref="FromEnvironment"/> reads the HEARTH_* and HF_* variables.</summary>
public sealed record ModelOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>HEARTH_HOME (default ~/.hearth); models go under its <c>models</c> folder.</summary>
    public required string Home { get; init; }

    /// <summary>HEARTH_HF_ENDPOINT: the Hub (or a mirror) that serves <c>{repo}/resolve/{revision}/{file}</c>.</summary>
    public Uri HubEndpoint { get; init; } = new(DefaultEndpoint);

    /// <summary>HF_TOKEN: sent to the Hub endpoint (never to the CDN it redirects to) for gated and private repos.</summary>
    public string? HubToken { get; init; }

    /// <summary>HEARTH_MODELS_QUOTA (e.g. 20GB): most bytes of models kept; least recently used ones are evicted. Null: no quota.</summary>
    public long? QuotaBytes { get; init; }

    /// <summary>HEARTH_MAX_DOWNLOADS: files downloaded at once.</summary>
    public int MaxParallelDownloads { get; init; } = 3;

    /// <summary>Attempts in a row that may fail without a single new byte before a download gives up.</summary>
    public int MaxAttemptsWithoutProgress { get; init; } = 8;

    /// <summary>First pause between retries; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection that sends nothing for this long is dropped and resumed.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string ModelsDir => Path.Combine(Home, "models");

    public static ModelOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>Reads the settings through <paramref name="variable"/> (a name to its value, null when unset).</summary>
    public static ModelOptions FromEnvironment(Func<string, string?> variable)
    {
        string? Env(string name) => variable(name) is { Length: > 0 } v ? v : null;
        var home = Env("HEARTH_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hearth");
        var endpoint = Env("HEARTH_HF_ENDPOINT") ?? Env("HF_ENDPOINT") ?? DefaultEndpoint;
        return new ModelOptions
        {
            Home = home,
            HubEndpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
                : throw new ArgumentException($"HEARTH_HF_ENDPOINT must be an http(s) URL like {DefaultEndpoint}, not '{endpoint}'."),
            HubToken = Env("HF_TOKEN"),
            QuotaBytes = Env("HEARTH_MODELS_QUOTA") is { } q ? ByteSize.Parse(q) : null,
            MaxParallelDownloads = int.TryParse(Env("HEARTH_MAX_DOWNLOADS"), out var n) && n > 0 ? n : 3,
        };
    }
}
