using System.Collections.Concurrent;
using System.Globalization;

namespace Hearth.Core.Telemetry;

/// <summary>
/// The service's counters, exposed at <c>GET /metrics</c> in Prometheus text format and mirrored as
/// System.Diagnostics.Metrics instruments on <see cref="HearthTelemetry.Meter"/> for OpenTelemetry.
/// </summary>
public sealed class HearthMetrics
{
    readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    readonly ConcurrentDictionary<(string Provider, string Outcome), long> _providerAttempts = new();
    readonly ConcurrentDictionary<(string Provider, string State), long> _circuitChanges = new();
    static readonly System.Diagnostics.Metrics.Counter<long> ProviderInstrument = HearthTelemetry.Meter.CreateCounter<long>("hearth.provider.requests", "{request}");
    long _promptTokens, _completionTokens, _activeRequests, _queued;
    readonly Histogram _ttft = new("hearth_time_to_first_token_seconds", "Time from request to the first generated token.",
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    readonly Histogram _speed = new("hearth_generation_tokens_per_second", "Decode speed of each completion.",
        [1, 5, 10, 20, 40, 80, 160, 320, 640, 1280]);
    readonly Histogram _duration = new("hearth_request_duration_seconds", "Time to answer a chat completion, streamed or not.",
        [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]);
    static readonly System.Diagnostics.Metrics.Counter<long> TokensInstrument = HearthTelemetry.Meter.CreateCounter<long>("hearth.tokens", "{token}");
    static readonly System.Diagnostics.Metrics.Histogram<double> TtftInstrument = HearthTelemetry.Meter.CreateHistogram<double>("hearth.time_to_first_token", "s");

    /// <summary>How many models are loaded now (the host sets where this comes from).</summary>
    public Func<int> LoadedModels { get; set; } = () => 0;

    public void Request(string route, int status) => _requests.AddOrUpdate((route, status), 1, (_, n) => n + 1);

    /// <summary>One routed attempt: answered, fallback (failed before its first token), skipped (circuit open), interrupted (failed mid-reply), failed.</summary>
    public void ProviderAttempt(string provider, string outcome)
    {
        _providerAttempts.AddOrUpdate((provider, outcome), 1, (_, n) => n + 1);
        ProviderInstrument.Add(1, new("provider", provider), new("outcome", outcome));
    }

    /// <summary>A provider's circuit breaker changed state (open, half-open, closed).</summary>
    public void CircuitChanged(string provider, string state) => _circuitChanges.AddOrUpdate((provider, state), 1, (_, n) => n + 1);

    public long ProviderAttempts(string provider, string outcome) => _providerAttempts.TryGetValue((provider, outcome), out var n) ? n : 0;

    public void Tokens(long prompt, long completion)
    {
        Interlocked.Add(ref _promptTokens, prompt);
        Interlocked.Add(ref _completionTokens, completion);
        TokensInstrument.Add(prompt, new KeyValuePair<string, object?>("kind", "prompt"));
        TokensInstrument.Add(completion, new KeyValuePair<string, object?>("kind", "completion"));
    }

    public void TimeToFirstToken(TimeSpan t)
    {
        _ttft.Observe(t.TotalSeconds);
        TtftInstrument.Record(t.TotalSeconds);
    }

    public void GenerationSpeed(double tokensPerSecond) => _speed.Observe(tokensPerSecond);
    public void Duration(TimeSpan t) => _duration.Observe(t.TotalSeconds);

    public void ActiveChanged(int delta) => Interlocked.Add(ref _activeRequests, delta);
    public void QueuedChanged(int delta) => Interlocked.Add(ref _queued, delta);
    public long Queued => Interlocked.Read(ref _queued);
    public long CompletionTokens => Interlocked.Read(ref _completionTokens);

    public void WritePrometheus(TextWriter w)
    {
        w.Write("# HELP hearth_requests_total HTTP requests answered, by route and status.\n# TYPE hearth_requests_total counter\n");
        foreach (var ((route, status), n) in _requests.OrderBy(kv => kv.Key.Route).ThenBy(kv => kv.Key.Status))
            w.Write($"hearth_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n");
        w.Write("# HELP hearth_provider_requests_total Routed attempts by provider and outcome (answered, fallback, skipped, interrupted, failed).\n# TYPE hearth_provider_requests_total counter\n");
        foreach (var ((provider, outcome), n) in _providerAttempts.OrderBy(kv => kv.Key.Provider).ThenBy(kv => kv.Key.Outcome))
            w.Write($"hearth_provider_requests_total{{provider=\"{provider}\",outcome=\"{outcome}\"}} {n}\n");
        w.Write("# HELP hearth_provider_circuit_transitions_total Circuit breaker state changes by provider.\n# TYPE hearth_provider_circuit_transitions_total counter\n");
        foreach (var ((provider, state), n) in _circuitChanges.OrderBy(kv => kv.Key.Provider).ThenBy(kv => kv.Key.State))
            w.Write($"hearth_provider_circuit_transitions_total{{provider=\"{provider}\",state=\"{state}\"}} {n}\n");
        Counter(w, "hearth_prompt_tokens_total", "Prompt tokens processed.", Interlocked.Read(ref _promptTokens));
        Counter(w, "hearth_completion_tokens_total", "Tokens generated.", Interlocked.Read(ref _completionTokens));
        _ttft.Write(w);
        _speed.Write(w);
        _duration.Write(w);
        Gauge(w, "hearth_active_requests", "Chat completions generating now.", Interlocked.Read(ref _activeRequests));
        Gauge(w, "hearth_queue_depth", "Chat completions waiting for a slot.", Interlocked.Read(ref _queued));
        Gauge(w, "hearth_loaded_models", "Models in memory.", LoadedModels());
    }

    static void Counter(TextWriter w, string name, string help, long value) =>
        w.Write($"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");

    static void Gauge(TextWriter w, string name, string help, long value) =>
        w.Write($"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}

static class Prometheus
{
    public static string Number(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
