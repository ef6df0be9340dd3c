using System.Text.Json;
using Hearth.Client;
using Hearth.Core.Registry;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Providers;

/// <summary>
/// An OpenAI-compatible server as a provider. Its models are the configured list, else what its <c>/models</c>
/// says (asked at most every <see cref="ListCacheTime"/>); each ask also records its health.
/// </summary>
public sealed class OpenAICompatibleProvider : IChatProvider
{
    static readonly TimeSpan ListCacheTime = TimeSpan.FromSeconds(30);
    static readonly TimeSpan ListTimeout = TimeSpan.FromSeconds(3);
    readonly ProviderConfig _config;
    readonly HttpClient _http;
    readonly Uri _base;
    readonly SemaphoreSlim _listing = new(1, 1);
    (DateTimeOffset At, IReadOnlyList<string> Models)? _listed;

    public OpenAICompatibleProvider(ProviderConfig config, HttpClient http)
    {
        config.Validate();
        _config = config;
        _http = http;
        _base = new Uri(config.BaseUrl.EndsWith('/') ? config.BaseUrl : config.BaseUrl + "/");
    }

    public string Name => _config.Name;
    public bool IsLocal => _config.IsLocal;
    public int Priority => _config.Priority;
    public TimeSpan? FirstTokenTimeout => TimeSpan.FromMilliseconds(_config.FirstTokenTimeoutMs ?? 60_000);
    public ProviderHealth Health { get; } = new();
    public ProviderConfig Config => _config;

    public ModelPrice? PriceOf(string model) =>
        _config.Prices.TryGetValue(model, out var p) || _config.Prices.TryGetValue("*", out p) ? new ModelPrice(p.InputPerMillion, p.OutputPerMillion) : null;

    public async Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken)
    {
        var models = await ModelsAsync(probe: true, cancellationToken).ConfigureAwait(false);
        return [.. models.Select(m => new ModelDescriptor(m, 0, null, Cached: false, Loaded: false, Compatible: true, ContextWindow: null, 0, Name))];
    }

    /// <summary>The configured models, without asking the server (what an offline-only server may show).</summary>
    public IReadOnlyList<string> ConfiguredModels => _config.Models;

    public async Task<bool> OffersAsync(string model, CancellationToken cancellationToken) =>
        (await ModelsAsync(probe: false, cancellationToken).ConfigureAwait(false)).Contains(model);

    public Task<IChatClient> GetChatClientAsync(string model, TimeSpan? keepAlive, CancellationToken cancellationToken) =>
        Task.FromResult<IChatClient>(new OpenAICompatibleChatClient(_base, _config.ResolveApiKey(), model, _http));

    /// <summary>
    /// The models it serves. Configured ones need no network; otherwise (or when <paramref name="probe"/> asks for a
    /// health check) its /models is asked, with a short timeout.
    /// </summary>
    async Task<IReadOnlyList<string>> ModelsAsync(bool probe, CancellationToken cancellationToken)
    {
        if (_config.Models.Count > 0 && !probe) return _config.Models;
        if (_listed is { } cached && DateTimeOffset.UtcNow - cached.At < ListCacheTime) return _config.Models.Count > 0 ? _config.Models : cached.Models;
        await _listing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_listed is { } again && DateTimeOffset.UtcNow - again.At < ListCacheTime) return _config.Models.Count > 0 ? _config.Models : again.Models;
            var models = await ProbeAsync(cancellationToken).ConfigureAwait(false);
            if (models is not null) _listed = (DateTimeOffset.UtcNow, models);
            return _config.Models.Count > 0 ? _config.Models : models ?? _listed?.Models ?? [];
        }
        finally { _listing.Release(); }
    }

    /// <summary>GET /models: its model ids, or null (and unhealthy) when it does not answer well.</summary>
    public async Task<IReadOnlyList<string>?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ListTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "models"));
            if (_config.ResolveApiKey() is { Length: > 0 } key) request.Headers.Authorization = new("Bearer", key);
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Health.Probed(false, $"HTTP {(int)response.StatusCode}");
                return null;
            }
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false));
            var ids = doc.RootElement.GetProperty("data").EnumerateArray()
                .Select(m => m.GetProperty("id").GetString()).OfType<string>().ToList();
            Health.Probed(true, null);
            _listed = (DateTimeOffset.UtcNow, ids);
            return ids;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Health.Probed(false, e is OperationCanceledException ? "timed out" : e.Message);
            return null;
        }
    }
}

/// <summary>A provider's last health probe and circuit state, as /v1/models shows it.</summary>
public sealed class ProviderHealth
{
    public bool? LastProbeOk { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset? LastProbe { get; private set; }
    /// <summary>Set by the router: the provider's circuit breaker state ("closed", "open", "half-open").</summary>
    public Func<string>? Circuit { get; set; }

    public void Probed(bool ok, string? error)
    {
        LastProbeOk = ok;
        LastError = error;
        LastProbe = DateTimeOffset.UtcNow;
    }

    /// <summary>"healthy", "degraded" (circuit half-open), "unhealthy" (circuit open or probe failed), or null when unknown.</summary>
    public string? Status => Circuit?.Invoke() switch
    {
        "open" or "isolated" => "unhealthy",
        "half-open" => "degraded",
        _ => LastProbeOk switch { true => "healthy", false => "unhealthy", null => null },
    };
}
