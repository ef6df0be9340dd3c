using System.Collections.Concurrent;
using Hearth.Core.Providers;
using Hearth.Core.Telemetry;
using Polly;
using Polly.CircuitBreaker;

namespace Hearth.Core.Routing;

/// <summary>
/// One Polly circuit breaker per remote provider, around the part of a request that can fall back: sending it and
/// waiting for its first token. Enough failures open the circuit; while open the provider is skipped; after the
/// break one trial request passes, and its success closes the circuit again.
/// </summary>
public sealed class ProviderCircuits(RoutingConfig config, HearthMetrics? metrics, TimeProvider? time = null)
{
    readonly ConcurrentDictionary<string, (ResiliencePipeline Pipeline, CircuitBreakerStateProvider State)> _circuits = new();

    public RoutingConfig Config => config;

    public ResiliencePipeline For(string provider) => Get(provider).Pipeline;

    /// <summary>"closed", "open", "half-open" or "isolated".</summary>
    public string StateOf(string provider) => Get(provider).State.CircuitState switch
    {
        CircuitState.Closed => "closed",
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half-open",
        _ => "isolated",
    };

    (ResiliencePipeline Pipeline, CircuitBreakerStateProvider State) Get(string provider) => _circuits.GetOrAdd(provider, name =>
    {
        var state = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = config.FailureRatio,
                MinimumThroughput = config.MinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(config.SamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(config.BreakSeconds),
                StateProvider = state,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ProviderFailures.IsProviderFault),
                OnOpened = _ => { metrics?.CircuitChanged(name, "open"); return ValueTask.CompletedTask; },
                OnHalfOpened = _ => { metrics?.CircuitChanged(name, "half-open"); return ValueTask.CompletedTask; },
                OnClosed = _ => { metrics?.CircuitChanged(name, "closed"); return ValueTask.CompletedTask; },
            })
            .Build();
        return (pipeline, state);
    });
}
