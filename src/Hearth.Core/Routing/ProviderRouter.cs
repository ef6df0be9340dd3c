using Hearth.Client;
using Hearth.Core.OpenAI;
using Hearth.Core.Providers;
using Hearth.Core.Registry;
using Hearth.Core.Telemetry;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Routing;

/// <summary>
/// The model registry the service answers from: this machine's engine (<see cref="LocalProvider"/>) plus the
/// providers of <c>providers.json</c>. Ids are <c>provider/model</c>; a bare id (no known provider prefix) is
/// looked for on every provider, this machine's engine first. <see cref="GetChatClientAsync"/> returns a
/// <see cref="RoutedChatClient"/>, which picks the provider when the request runs and falls back as policy allows.
/// </summary>
public sealed class ProviderRouter : IModelRegistry, IDisposable
{
    readonly LocalProvider _local;
    readonly HearthMetrics? _metrics;
    readonly TimeProvider _time;
    readonly HttpClient _http = OpenAICompatibleChatClient.CreateHttpClient(TimeSpan.FromSeconds(5));
    volatile RouterState _state;
    ITimer? _healthChecks;

    readonly IReadOnlyList<IChatProvider> _attached;

    /// <param name="attached">Providers that are not configured but attached by the host, e.g. the <see cref="BrowserBridge"/>.</param>
    public ProviderRouter(IModelRegistry local, ProvidersFile? providers = null, HearthMetrics? metrics = null, TimeProvider? time = null,
        IEnumerable<IChatProvider>? attached = null)
    {
        _metrics = metrics;
        _attached = [.. attached ?? []];
        _time = time ?? TimeProvider.System;
        providers ??= new ProvidersFile();
        _local = new LocalProvider(local, providers.Routing.LocalPriority);
        _state = Build(providers);
        StartHealthChecks(_state);
    }

    public IModelRegistry Local => _local.Registry;
    public ProvidersFile Configuration => _state.File;
    internal HearthMetrics? Metrics => _metrics;
    internal TimeProvider Time => _time;

    /// <summary>Replaces providers and routing policy; requests already running keep what they started with.</summary>
    public void Configure(ProvidersFile providers)
    {
        ProviderStore.Validate(providers);
        _state = Build(providers);
        StartHealthChecks(_state);
    }

    /// <summary>Probes every remote provider's /models every <see cref="RoutingConfig.HealthCheckSeconds"/> (never when offline-only).</summary>
    void StartHealthChecks(RouterState state)
    {
        Interlocked.Exchange(ref _healthChecks, null)?.Dispose();
        var seconds = state.File.Routing.HealthCheckSeconds;
        if (seconds <= 0 || state.File.Routing.OfflineOnly || state.Remotes.Count == 0) return;
        _healthChecks = _time.CreateTimer(_ =>
        {
            foreach (var remote in state.Remotes) _ = remote.ProbeAsync(CancellationToken.None);
        }, null, TimeSpan.Zero, TimeSpan.FromSeconds(seconds));
    }

    RouterState Build(ProvidersFile file)
    {
        var remotes = file.Providers.Select(p => new OpenAICompatibleProvider(p, _http)).ToList();
        var circuits = new ProviderCircuits(file.Routing, _metrics, _time);
        foreach (var r in remotes) r.Health.Circuit = () => circuits.StateOf(r.Name);
        return new RouterState(file, new LocalProvider(_local.Registry, file.Routing.LocalPriority), remotes, circuits, _attached);
    }

    public async Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken = default)
    {
        var state = _state;
        var list = (await _local.ListAsync(cancellationToken).ConfigureAwait(false))
            .Select(m => m with { Provider = LocalProvider.ProviderName, Local = true, Health = "healthy", Price = _local.PriceOf(m.Id) }).ToList();
        var remote = await Task.WhenAll(state.Remotes.Select(async p =>
        {
            // Offline-only: nothing leaves the device, not even a listing.
            var models = state.File.Routing.OfflineOnly
                ? p.ConfiguredModels.Select(m => new ModelDescriptor(m, 0, null, false, false, true, null, 0, p.Name)).ToList()
                : await p.ListAsync(cancellationToken).ConfigureAwait(false);
            return models.Select(m => m with
            {
                Id = $"{p.Name}/{m.Id}", OwnedBy = p.Name, Provider = p.Name, Local = p.IsLocal,
                Health = state.File.Routing.OfflineOnly && !p.IsLocal ? "offline" : p.Health.Status, Price = p.PriceOf(m.Id),
            });
        })).ConfigureAwait(false);
        list.AddRange(remote.SelectMany(r => r));
        foreach (var p in state.Attached)
            list.AddRange((await p.ListAsync(cancellationToken).ConfigureAwait(false)).Select(m => m with
            {
                Id = $"{p.Name}/{m.Id}", OwnedBy = p.Name, Provider = p.Name, Local = p.IsLocal, Health = "healthy", Price = p.PriceOf(m.Id),
            }));
        return list;
    }

    public async Task<IChatClient> GetChatClientAsync(string model, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default)
    {
        var state = _state;
        var (provider, name) = state.Parse(model);
        IChatClient? eager = null;
        if (provider is null || provider == state.Local)
        {
            // This machine's model is loaded now, as before routing existed: a name that is no model is a 404 before
            // anything starts, and the context guard and memory window can ask the model its size.
            Exception? notHere = null;
            try { eager = await state.Local.GetChatClientAsync(name, keepAlive, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (provider is null && e is Registry.ModelNotFoundException or Models.ModelNotFoundException) { notHere = e; }
            // Not here: the same 404 as ever, unless another provider may have it. Providers that must be asked over
            // the network are asked when the request runs, under its own rules (a private request asks no one).
            if (notHere is not null && !await MayBeElsewhereAsync(state, name, cancellationToken).ConfigureAwait(false))
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(notHere);
        }
        return new RoutedChatClient(this, state, model, provider, name, eager, keepAlive);
    }

    /// <summary>Whether a provider other than this machine's may serve the model, without asking anyone over the network.</summary>
    static async Task<bool> MayBeElsewhereAsync(RouterState state, string name, CancellationToken ct)
    {
        foreach (var p in state.Others)
        {
            if (p is OpenAICompatibleProvider remote ? remote.ConfiguredModels.Count == 0 || remote.ConfiguredModels.Contains(name)
                : await p.OffersAsync(name, ct).ConfigureAwait(false))
                return true;
        }
        return false;
    }

    public Task<ModelDescriptor> LoadAsync(string model, IProgress<ModelLoadProgress>? progress, TimeSpan? keepAlive = null, CancellationToken cancellationToken = default) =>
        _local.Registry.LoadAsync(LocalName(model), progress, keepAlive, cancellationToken);

    public Task<bool> UnloadAsync(string model, CancellationToken cancellationToken = default) =>
        _local.Registry.UnloadAsync(LocalName(model), cancellationToken);

    /// <summary>Loading and unloading concern this machine's models only.</summary>
    string LocalName(string model)
    {
        var (provider, name) = _state.Parse(model);
        if (provider is null or LocalProvider) return name;
        throw ApiException.InvalidValue("model", $"'{model}' runs on provider '{provider.Name}'; only this machine's models are loaded and unloaded here.");
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _healthChecks, null)?.Dispose();
        _http.Dispose();
    }

    /// <summary>One configuration: providers, policy and their circuits.</summary>
    internal sealed record RouterState(ProvidersFile File, LocalProvider Local, IReadOnlyList<OpenAICompatibleProvider> Remotes, ProviderCircuits Circuits,
        IReadOnlyList<IChatProvider> Attached)
    {
        /// <summary>Every provider but this machine's engine.</summary>
        public IEnumerable<IChatProvider> Others => [.. Remotes, .. Attached];

        /// <summary>"provider/model" when the prefix names a provider; otherwise a bare id (which may contain '/').</summary>
        public (IChatProvider? Provider, string Name) Parse(string model)
        {
            var slash = model.IndexOf('/');
            if (slash > 0)
            {
                var prefix = model[..slash];
                if (prefix == LocalProvider.ProviderName) return (Local, model[(slash + 1)..]);
                if (Others.FirstOrDefault(r => r.Name == prefix) is { } other) return (other, model[(slash + 1)..]);
            }
            return (null, model);
        }
    }
}
