using System.Net;

namespace Hearth.Server;

/// <summary>Everything <c>hearth serve</c> can be told; defaults are safe for a single user on this machine.</summary>
public sealed class ServerOptions
{
    public const int DefaultPort = 11435;

    /// <summary>Address to bind (HEARTH_HOST). Anything but loopback requires <see cref="ApiKey"/>.</summary>
    public string Host { get; set; } = "127.0.0.1";
    /// <summary>0 picks a free port (tests).</summary>
    public int Port { get; set; } = DefaultPort;
    /// <summary>HEARTH_HOME: the store and downloaded models live here.</summary>
    public string Home { get; set; } = Core.Service.HearthHome.Resolve();
    /// <summary>Bearer token every /v1 request must carry (HEARTH_API_KEY); required off loopback.</summary>
    public string? ApiKey { get; set; }
    /// <summary>Host header names accepted besides loopback ones (DNS-rebinding guard).</summary>
    public List<string> AllowedHosts { get; set; } = [];
    /// <summary>Origins browsers may call from besides the server's own; "*" allows any.</summary>
    public List<string> CorsOrigins { get; set; } = [];
    public long MaxBodyBytes { get; set; } = 4 * 1024 * 1024;
    public int MaxConcurrentRequests { get; set; } = 8;
    public int MaxQueuedRequests { get; set; } = 32;
    /// <summary>Server-wide replay budget in tokens (null: the model's context window).</summary>
    public int? MemoryWindowTokens { get; set; }
    /// <summary>Folder of the built web UI (web/dist); null: look for it beside the executable or repository.</summary>
    public string? WebRoot { get; set; }
    /// <summary>GGUF files to serve besides HEARTH_HOME/models (id = file name without extension).</summary>
    public List<string> ModelFiles { get; set; } = [];
    public List<string> ModelFolders { get; set; } = [];
    /// <summary>The model used when none is chosen (HEARTH_MODEL): a catalog id, a Hub ref or a .gguf path; null: the catalog's default.</summary>
    public string? DefaultModel { get; set; }
    /// <summary>How long an idle model stays loaded (HEARTH_KEEP_ALIVE); requests may say otherwise with keep_alive.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Models in memory at once (HEARTH_MAX_LOADED_MODELS).</summary>
    public int MaxLoadedModels { get; set; } = 1;
    /// <summary>Context window models are loaded with (HEARTH_CONTEXT_LENGTH); null: min(trained, 4096).</summary>
    public int? ContextLength { get; set; }

    /// <summary>Generations one model runs at once, decoded together in batches (HEARTH_PARALLEL); each holds its own KV cache.</summary>
    public int Parallel { get; set; } = Engine.Chat.ChatModelOptions.DefaultParallel;

    public bool IsLoopbackBind => Host is "localhost" || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Refuses settings that would expose the server unprotected.</summary>
    public void Validate()
    {
        if (!IsLoopbackBind && string.IsNullOrEmpty(ApiKey))
            throw new InvalidOperationException($"Binding {Host} exposes Hearth beyond this machine: set an API key (--api-key or HEARTH_API_KEY).");
        if (Port is < 0 or > 65535) throw new InvalidOperationException($"Port {Port} is not a TCP port.");
        if (MaxConcurrentRequests < 1) throw new InvalidOperationException("--max-concurrent must be at least 1.");
        if (MaxQueuedRequests < 0) throw new InvalidOperationException("--max-queue must be 0 or more.");
        if (MaxLoadedModels < 1) throw new InvalidOperationException("--max-loaded-models must be at least 1.");
        if (Parallel is < 1 or > 256) throw new InvalidOperationException("--parallel must be between 1 and 256.");
        if (ContextLength is < 16) throw new InvalidOperationException("--context-length must be at least 16 tokens.");
    }
}
