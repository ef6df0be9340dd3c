using System.Diagnostics;
using System.Runtime.CompilerServices;
using Hearth.Client;
using Hearth.Core.OpenAI;
using Hearth.Core.Providers;
using Hearth.Core.Telemetry;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Routing;

/// <summary>
/// One request's model, routed: when the request runs, its routing rules (<see cref="RouteOptions"/> over the
/// server's <see cref="RoutingConfig"/>) pick and order the providers that may answer. Each is tried until one
/// produces a first token; connection errors, 5xx, 429, timeouts and an open circuit move on to the next. Once a
/// token has been produced the provider is committed: a later failure ends the stream with an error, and no other
/// provider's words are ever spliced onto it. The choice is published in <see cref="Decision"/>.
/// </summary>
public sealed class RoutedChatClient : IChatClient
{
    readonly ProviderRouter _router;
    readonly ProviderRouter.RouterState _state;
    readonly string _requested;
    readonly IChatProvider? _provider;
    readonly string _name;
    readonly IChatClient? _eagerLocal;
    readonly TimeSpan? _keepAlive;

    internal RoutedChatClient(ProviderRouter router, ProviderRouter.RouterState state, string requested, IChatProvider? provider, string name,
        IChatClient? eagerLocal, TimeSpan? keepAlive)
    {
        _router = router;
        _state = state;
        _requested = requested;
        _provider = provider;
        _name = name;
        _eagerLocal = eagerLocal;
        _keepAlive = keepAlive;
    }

    public RouteDecision Decision { get; } = new();

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var route = RouteOptions.Of(options).Apply(_state.File.Routing);
        var decision = RouteDecision.Of(options) ?? Decision;
        var plan = OnlyThoseThatCanAnswer(await PlanAsync(route, cancellationToken).ConfigureAwait(false), options);
        var list = messages as IReadOnlyList<ChatMessage> ?? messages.ToList(); // each attempt reads them again

        using var activity = HearthTelemetry.Source.StartActivity($"route {_requested}", ActivityKind.Internal);
        activity?.SetTag("hearth.route.requested", _requested);
        activity?.SetTag("hearth.route.candidates", string.Join(",", plan.Select(c => $"{c.Provider.Name}/{c.Model}")));
        activity?.SetTag("hearth.route.private", route.Private);
        var passedOver = new List<string>();
        var failures = new List<Exception>();
        foreach (var (provider, model) in plan)
        {
            var attempt = await StartAsync(provider, model, list, options, route, cancellationToken).ConfigureAwait(false);
            if (attempt.Failure is { } failure)
            {
                var reason = ProviderFailures.Reason(failure);
                if (!ProviderFailures.CanFallBack(failure))
                {
                    _router.Metrics?.ProviderAttempt(provider.Name, "failed");
                    activity?.AddEvent(new ActivityEvent("failed", tags: new() { ["provider"] = provider.Name, ["model"] = model, ["reason"] = reason }));
                    throw ProviderFailures.ForClient(provider.Name, failure);
                }
                _router.Metrics?.ProviderAttempt(provider.Name, failure is Polly.CircuitBreaker.BrokenCircuitException ? "skipped" : "fallback");
                activity?.AddEvent(new ActivityEvent("passed_over", tags: new() { ["provider"] = provider.Name, ["model"] = model, ["reason"] = reason }));
                passedOver.Add($"{provider.Name}: {reason}");
                failures.Add(failure);
                continue;
            }

            decision.Decide(provider.Name, model, provider.IsLocal, passedOver);
            if (decision != Decision) Decision.Decide(provider.Name, model, provider.IsLocal, passedOver);
            activity?.SetTag("hearth.provider", provider.Name);
            activity?.SetTag("hearth.route.model", model);
            activity?.SetTag("hearth.route.passed_over", passedOver.Count);
            _router.Metrics?.ProviderAttempt(provider.Name, "answered");

            var started = attempt.Started!;
            try
            {
                if (!started.HasFirst) yield break;
                yield return Mark(started.Updates.Current, provider);
                while (true)
                {
                    bool more;
                    try { more = await started.Updates.MoveNextAsync().ConfigureAwait(false); }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        // Committed to this provider: the stream ends with an error, never with another model's words.
                        _router.Metrics?.ProviderAttempt(provider.Name, "interrupted");
                        activity?.AddEvent(new ActivityEvent("interrupted", tags: new() { ["reason"] = ProviderFailures.Reason(e) }));
                        throw e is HearthException or HttpRequestException or IOException
                            ? new ApiException(502, $"Provider '{provider.Name}' failed mid-reply ({ProviderFailures.Reason(e)}); the reply is incomplete.",
                                "server_error", null, "provider_interrupted", e)
                            : e;
                    }
                    if (!more) break;
                    yield return Mark(started.Updates.Current, provider);
                }
            }
            finally { await started.DisposeAsync().ConfigureAwait(false); }
            yield break;
        }

        throw AllFailed(plan, passedOver, failures);
    }

    /// <summary>Sends the request to one provider and waits for its first update, within the time-to-first-token budget.</summary>
    async Task<Attempt> StartAsync(IChatProvider provider, string model, IReadOnlyList<ChatMessage> messages, ChatOptions? options, EffectiveRoute route,
        CancellationToken cancellationToken)
    {
        IChatClient client;
        var owned = true;
        if (provider is LocalProvider && model == _name && _eagerLocal is not null) { client = _eagerLocal; owned = false; }
        else
        {
            try { client = await provider.GetChatClientAsync(model, _keepAlive, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested) { return new Attempt(null, e); }
        }

        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var attemptOptions = options?.Clone() ?? new ChatOptions();
        attemptOptions.ModelId = model;
        var updates = client.GetStreamingResponseAsync(messages, attemptOptions, cts.Token).GetAsyncEnumerator(cts.Token);
        var started = new StartedAttempt(client, owned, updates, cts);
        var budget = Min(route.MaxTimeToFirstToken, provider.FirstTokenTimeout);
        try
        {
            started.HasFirst = provider is LocalProvider
                ? await FirstAsync(updates, budget, cts).ConfigureAwait(false)
                : await _state.Circuits.For(provider.Name).ExecuteAsync(async _ => await FirstAsync(updates, budget, cts).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return new Attempt(started, null);
        }
        catch (Exception e)
        {
            await started.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) throw;
            return new Attempt(null, e);
        }
    }

    /// <summary>The first update, or <see cref="TimeoutException"/> when it does not come within <paramref name="budget"/>.</summary>
    async Task<bool> FirstAsync(IAsyncEnumerator<ChatResponseUpdate> updates, TimeSpan? budget, CancellationTokenSource attempt)
    {
        var move = updates.MoveNextAsync().AsTask();
        if (budget is not { } limit) return await move.ConfigureAwait(false);
        using var timer = new CancellationTokenSource();
        var delay = Task.Delay(limit, _router.Time, timer.Token);
        if (await Task.WhenAny(move, delay).ConfigureAwait(false) == move)
        {
            timer.Cancel();
            return await move.ConfigureAwait(false);
        }
        // Give up on it, and let it unwind before the enumerator is disposed.
        attempt.Cancel();
        try { await move.ConfigureAwait(false); } catch { /* cancelled, as asked */ }
        throw new TimeoutException($"no first token within {limit.TotalMilliseconds:0} ms");
    }

    static TimeSpan? Min(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>The providers that may answer, in the order they are tried.</summary>
    async Task<List<(IChatProvider Provider, string Model)>> PlanAsync(EffectiveRoute route, CancellationToken cancellationToken)
    {
        var plan = new List<(IChatProvider Provider, string Model)>();
        bool Allowed(IChatProvider p, bool fallback) => (!route.LocalOnly || p.IsLocal) && (!fallback || p.IsLocal || route.CloudFallback);
        void Add(IChatProvider p, string m)
        {
            if (!plan.Any(c => c.Provider == p && c.Model == m)) plan.Add((p, m));
        }

        if (_provider is not null)
        {
            if (!Allowed(_provider, fallback: false)) throw NotLocal(route, $"'{_requested}' runs on provider '{_provider.Name}', which is not on this device");
            Add(_provider, _name);
        }
        // The same model elsewhere (only providers this request may use are asked, so a private request asks no remote).
        var offering = new List<IChatProvider>();
        if (_provider is not LocalProvider && (_eagerLocal is not null || _provider is not null && await _state.Local.OffersAsync(_name, cancellationToken).ConfigureAwait(false)))
            offering.Add(_state.Local);
        foreach (var remote in _state.Others)
            if (remote != _provider && Allowed(remote, fallback: _provider is not null || offering.Count > 0)
                && await remote.OffersAsync(_name, cancellationToken).ConfigureAwait(false))
                offering.Add(remote);
        foreach (var p in Order(offering, _name, route))
            if (Allowed(p, fallback: plan.Count > 0)) Add(p, _name);
        foreach (var fallback in route.Fallbacks)
        {
            var (p, m) = _state.Parse(fallback);
            p ??= _state.Local;
            if (Allowed(p, fallback: plan.Count > 0)) Add(p, m);
        }

        if (plan.Count > 0) return plan;
        if (route.LocalOnly) throw NotLocal(route, $"no provider on this device serves '{_requested}'");
        throw ApiException.ModelNotFound(_requested);
    }

    /// <summary>
    /// Logprobs come back from this machine's engine only (remote answers are read as text), so a request that asks
    /// for them is not sent elsewhere, and fails clearly when nothing else is in line.
    /// </summary>
    List<(IChatProvider Provider, string Model)> OnlyThoseThatCanAnswer(List<(IChatProvider Provider, string Model)> plan, ChatOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue("logprobs", out var wanted) != true || wanted is not true) return plan;
        var able = plan.Where(c => c.Provider is LocalProvider).ToList();
        if (able.Count > 0) return able;
        throw ApiException.Unsupported("logprobs",
            $"'{_requested}' is served by provider '{plan[0].Provider.Name}', which does not return logprobs through Hearth; only this machine's engine does.");
    }

    static IEnumerable<IChatProvider> Order(IEnumerable<IChatProvider> providers, string model, EffectiveRoute route) => providers
        .OrderBy(p => route.PreferLocal && !p.IsLocal ? 1 : 0)
        .ThenBy(p => route.Policy == "cost" ? p.PriceOf(model) is { } price ? price.InputPerMillion + price.OutputPerMillion : double.MaxValue : 0)
        .ThenBy(p => p.Priority)
        .ThenBy(p => p.Name, StringComparer.Ordinal);

    static ApiException NotLocal(EffectiveRoute route, string why) => new(400,
        $"{why}, and this request is {(route.Private ? "private" : "offline-only")}: it may not leave this device. Choose a local model (GET /v1/models shows \"local\": true).",
        "invalid_request_error", "model", route.Private ? "private_requires_local" : "offline_only");

    Exception AllFailed(List<(IChatProvider Provider, string Model)> plan, List<string> passedOver, List<Exception> failures)
    {
        if (failures.Count == 1) return ProviderFailures.ForClient(plan[0].Provider.Name, failures[0]);
        return new ApiException(503, $"No provider could answer '{_requested}': {string.Join("; ", passedOver)}.", "server_error", null, "all_providers_failed")
        { RetryAfterSeconds = 5 };
    }

    static ChatResponseUpdate Mark(ChatResponseUpdate update, IChatProvider provider)
    {
        update.AdditionalProperties ??= [];
        update.AdditionalProperties[HearthOptionKeys.Provider] = provider.Name;
        return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        if (serviceKey is null && serviceType == typeof(RouteDecision)) return Decision;
        if (serviceKey is null && serviceType.IsInstanceOfType(this)) return this;
        // The model's own facts (context window, prompt counter) when this machine's model is the one first in line.
        return _eagerLocal?.GetService(serviceType, serviceKey);
    }

    public void Dispose() => _eagerLocal?.Dispose();

    sealed record Attempt(StartedAttempt? Started, Exception? Failure);

    sealed class StartedAttempt(IChatClient client, bool owned, IAsyncEnumerator<ChatResponseUpdate> updates, CancellationTokenSource cts) : IAsyncDisposable
    {
        public IAsyncEnumerator<ChatResponseUpdate> Updates => updates;
        public bool HasFirst { get; set; }

        public async ValueTask DisposeAsync()
        {
            try { await updates.DisposeAsync().ConfigureAwait(false); }
            catch { /* an attempt that failed may fail again while unwinding */ }
            cts.Dispose();
            if (owned) client.Dispose();
        }
    }
}
