using System.Diagnostics;
using System.Runtime.CompilerServices;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Telemetry;

/// <summary>
/// Measures every generation that passes through: a trace span ("chat {model}"), time to first token,
/// prompt and completion tokens and decode speed.
/// </summary>
public sealed class MeteredChatClient(IChatClient inner, HearthMetrics metrics) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var activity = HearthTelemetry.Source.StartActivity($"chat {options?.ModelId}", ActivityKind.Internal);
        activity?.SetTag("gen_ai.request.model", options?.ModelId);
        activity?.SetTag("gen_ai.request.max_tokens", options?.MaxOutputTokens);
        var started = Stopwatch.GetTimestamp();
        var first = true;
        UsageDetails? usage = null;
        GenerationTimings? timings = null;
        metrics.ActiveChanged(+1);
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                if (first)
                {
                    first = false;
                    var ttft = Stopwatch.GetElapsedTime(started);
                    metrics.TimeToFirstToken(ttft);
                    activity?.AddEvent(new ActivityEvent("first_token"));
                }
                foreach (var c in update.Contents) if (c is UsageContent u) usage = u.Details;
                if (update.AdditionalProperties?.TryGetValue(ChatOptionKeys.Timings, out var t) == true && t is GenerationTimings gt) timings = gt;
                yield return update;
            }
        }
        finally
        {
            metrics.ActiveChanged(-1);
            metrics.Tokens(usage?.InputTokenCount ?? 0, usage?.OutputTokenCount ?? 0);
            if (timings is { GenerationTokensPerSecond: > 0 }) metrics.GenerationSpeed(timings.GenerationTokensPerSecond);
            activity?.SetTag("gen_ai.usage.input_tokens", usage?.InputTokenCount);
            activity?.SetTag("gen_ai.usage.output_tokens", usage?.OutputTokenCount);
        }
    }
}
