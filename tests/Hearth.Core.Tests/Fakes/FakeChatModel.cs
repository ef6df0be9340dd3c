using System.Runtime.CompilerServices;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Fakes;

/// <summary>
/// A test double for the engine's chat client: replies "echo: LAST USER MESSAGE" word by word, counts a prompt as
/// (words + 4) tokens per message, honours max tokens, stop sequences and cancellation, and records every call.
/// </summary>
public sealed class FakeChatModel(string id = "fake", int contextWindow = 512) : IChatClient
{
    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = [];
    /// <summary>Pause before each token (to test disconnects and queues).</summary>
    public TimeSpan TokenDelay { get; set; }
    /// <summary>Released by tests to let a paused generation go on (null: never pause).</summary>
    public SemaphoreSlim? Gate { get; set; }
    public Func<IReadOnlyList<ChatMessage>, string> Reply { get; set; } =
        m => "echo: " + (m.LastOrDefault(x => x.Role == ChatRole.User)?.Text ?? "");
    public int Cancellations;
    public bool Disposed { get; private set; }

    public ChatModelInfo Info => new(id, contextWindow, Count);

    public static int Count(IEnumerable<ChatMessage> messages) =>
        messages.Sum(m => m.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length + 4);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        lock (Calls) Calls.Add((list, options));
        var prompt = Count(list);
        var words = Reply(list).Split(' ');
        var max = options?.MaxOutputTokens ?? int.MaxValue;
        var produced = 0;
        var text = "";
        var finish = ChatFinishReason.Stop;
        try
        {
            for (var i = 0; i < words.Length; i++)
            {
                if (produced == max) { finish = ChatFinishReason.Length; break; }
                if (Gate is not null) await Gate.WaitAsync(cancellationToken);
                if (TokenDelay > TimeSpan.Zero) await Task.Delay(TokenDelay, cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                var piece = (i == 0 ? "" : " ") + words[i];
                var stop = options?.StopSequences?.FirstOrDefault(s => (text + piece).Contains(s));
                if (stop is not null) break;
                text += piece;
                produced++;
                var update = new ChatResponseUpdate(ChatRole.Assistant, piece) { ModelId = id };
                if (options?.AdditionalProperties?.TryGetValue(ChatOptionKeys.Logprobs, out var lp) == true && lp is true)
                    update.AdditionalProperties = new() { [ChatOptionKeys.LogprobsContent] = new List<TokenLogprob> { new(i, piece, System.Text.Encoding.UTF8.GetBytes(piece), -0.5f, []) } };
                yield return update;
            }
        }
        finally
        {
            if (cancellationToken.IsCancellationRequested) Interlocked.Increment(ref Cancellations);
        }
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant, ModelId = id, FinishReason = finish,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = prompt, OutputTokenCount = produced, TotalTokenCount = prompt + produced })],
            AdditionalProperties = new() { [ChatOptionKeys.Timings] = new GenerationTimings(prompt, 0, 1.0, produced, produced * 2.0) },
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatModelInfo) ? Info : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() => Disposed = true;
}
