using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using Hearth.Core.OpenAI;
using Hearth.Core.Telemetry;
using Hearth.Engine;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Chat;

/// <summary>
/// One accepted chat completion, ready to run: as a stream of SSE events (<see cref="StreamAsync"/>) or as one
/// JSON response (<see cref="CompleteAsync"/>). Errors before the first token throw <see cref="ApiException"/>
/// (the response has not started); later ones end the stream with an error event.
/// </summary>
public sealed class ChatCompletion : IDisposable
{
    readonly ChatCompletionRequest _request;
    readonly IChatClient _client;
    readonly HearthMetrics _metrics;
    readonly Func<Task<bool>>? _onFailedBeforeStart;

    internal ChatCompletion(ChatCompletionRequest request, IChatClient client, string conversationId, HearthMetrics metrics, Func<Task<bool>>? onFailedBeforeStart)
    {
        _request = request;
        _client = client;
        _metrics = metrics;
        _onFailedBeforeStart = onFailedBeforeStart;
        ConversationId = conversationId;
    }

    public string ConversationId { get; }
    public bool Stream => _request.Stream;
    public ChatCompletionRequest Request => _request;

    /// <summary>The SSE events of the completion, ending with <c>data: [DONE]</c>.</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> StreamAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = CompletionId.New(_request.Model);
        var started = Stopwatch.GetTimestamp();
        var first = true;
        var calls = 0;
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        GenerationTimings? timings = null;

        await using var updates = _client.GetStreamingResponseAsync(_request.Messages, _request.Options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            ApiException? error = null;
            try
            {
                if (!await updates.MoveNextAsync()) break;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                error = Translate(e);
            }
            if (error is not null)
            {
                if (first)
                {
                    if (_onFailedBeforeStart is not null) await _onFailedBeforeStart();
                    throw error;
                }
                yield return ChatCompletionJson.ErrorChunk(error);
                yield break;
            }

            var u = updates.Current;
            foreach (var c in u.Contents) if (c is UsageContent uc) usage = uc.Details;
            finish = u.FinishReason ?? finish;
            if (u.AdditionalProperties?.TryGetValue(ChatOptionKeys.Timings, out var t) == true && t is GenerationTimings gt) timings = gt;
            var logprobs = _request.Logprobs ? LogprobsOf(u) : null;
            var toolCalls = u.Contents.OfType<FunctionCallContent>().Select(f => (calls++, f)).ToList();
            var text = u.Text;
            if (text.Length > 0 || toolCalls.Count > 0 || logprobs is { Count: > 0 } || first)
            {
                yield return ChatCompletionJson.Chunk(id, withRole: first, text.Length > 0 || first ? text : null, toolCalls, logprobs, null, _request.IncludeUsage);
                first = false;
            }
        }

        yield return ChatCompletionJson.Chunk(id, withRole: first, null, [], null, FinishReasons.ToWire(finish) ?? "stop", _request.IncludeUsage);
        if (_request.IncludeUsage) yield return ChatCompletionJson.UsageChunk(id, usage, timings);
        yield return Sse.Sse.Done;
        _metrics.Duration(Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The whole completion as one <c>chat.completion</c> JSON body.</summary>
    public async Task<ReadOnlyMemory<byte>> CompleteAsync(CancellationToken cancellationToken)
    {
        var id = CompletionId.New(_request.Model);
        var started = Stopwatch.GetTimestamp();
        var text = new StringBuilder();
        var calls = new List<FunctionCallContent>();
        var logprobs = _request.Logprobs ? new List<TokenLogprob>() : null;
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        GenerationTimings? timings = null;
        var any = false;
        try
        {
            await foreach (var u in _client.GetStreamingResponseAsync(_request.Messages, _request.Options, cancellationToken))
            {
                any = true;
                foreach (var c in u.Contents)
                {
                    switch (c)
                    {
                        case TextContent t: text.Append(t.Text); break;
                        case FunctionCallContent f: calls.Add(f); break;
                        case UsageContent uc: usage = uc.Details; break;
                    }
                }
                finish = u.FinishReason ?? finish;
                if (u.AdditionalProperties?.TryGetValue(ChatOptionKeys.Timings, out var t2) == true && t2 is GenerationTimings gt) timings = gt;
                if (logprobs is not null && LogprobsOf(u) is { } lp) logprobs.AddRange(lp);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (!any && _onFailedBeforeStart is not null) await _onFailedBeforeStart();
            throw Translate(e);
        }
        _metrics.Duration(Stopwatch.GetElapsedTime(started));
        return ChatCompletionJson.Response(id, text.ToString(), calls, FinishReasons.ToWire(finish), logprobs, usage, timings);
    }

    /// <summary>Lets go of the model (it may idle out now); call when the response is sent.</summary>
    public void Dispose() => _client.Dispose();

    static IReadOnlyList<TokenLogprob>? LogprobsOf(ChatResponseUpdate u) =>
        u.AdditionalProperties?.TryGetValue(ChatOptionKeys.LogprobsContent, out var v) == true ? v as IReadOnlyList<TokenLogprob> : null;

    /// <summary>Engine and library exceptions to what a client should see.</summary>
    public static ApiException Translate(Exception e) => e switch
    {
        ApiException api => api,
        ContextOverflowException overflow => ApiException.ContextLengthExceeded(overflow.Message + " Shorten the messages or lower max_tokens."),
        ArgumentException arg => ApiException.InvalidRequest(arg.Message, arg.ParamName),
        NotSupportedException ns => ApiException.InvalidRequest(ns.Message, null, "unsupported_parameter"),
        OperationCanceledException => ApiException.Unavailable("The generation was cancelled by the server."),
        _ => ApiException.Internal("The model failed while generating: " + e.Message, e),
    };
}
