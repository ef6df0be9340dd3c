using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Hearth.Core.OpenAI;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Memory;

/// <summary>
/// Conversation memory around a chat client. For a request whose <see cref="ChatOptions.ConversationId"/> names a
/// stored conversation: replays the stored history (cut by <see cref="SlidingWindow"/>) before the new messages,
/// and when the generation ends saves the new messages and the reply in one transaction, with model, token
/// counts, finish reason and timings. A generation cut short (client gone, error) saves what was generated,
/// marked interrupted. Requests without a conversation id pass straight through.
/// </summary>
public sealed class ConversationMemoryChatClient(IChatClient inner, ConversationStore store, MemoryOptions options) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, chatOptions, cancellationToken).ToChatResponseAsync(cancellationToken);

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var conversationId = chatOptions?.ConversationId;
        if (conversationId is null)
        {
            await foreach (var u in base.GetStreamingResponseAsync(messages, chatOptions, cancellationToken)) yield return u;
            yield break;
        }

        var history = (await store.GetMessagesAsync(conversationId, cancellationToken)).Select(MessageRecords.ToChatMessage).ToList();
        var plan = ReplayPlan.Create(history, messages.ToList());
        var prompt = plan.Replayed ? Window(plan, chatOptions!) : plan.Prompt;

        // The engine keeps the conversation id out of its prompt; we strip it so inner clients see a plain request.
        var innerOptions = chatOptions!.Clone();
        innerOptions.ConversationId = null;

        var reply = new Reply();
        var completed = false;
        try
        {
            await foreach (var update in base.GetStreamingResponseAsync(prompt, innerOptions, cancellationToken))
            {
                reply.Add(update);
                yield return update;
            }
            completed = true;
        }
        finally
        {
            // Saved even when the caller is gone (its token is cancelled), and only once something was generated.
            if (reply.Started)
                await store.AppendAsync(conversationId, [.. plan.NewMessages.Select(MessageRecords.ToNew), reply.ToRecord(Routing.RouteDecision.Of(chatOptions)?.Model ?? chatOptions.ModelId,
                    Routing.RouteDecision.Of(chatOptions)?.Provider ?? options.Provider, !completed)],
                    chatOptions.ModelId, CancellationToken.None);
        }
    }

    IReadOnlyList<ChatMessage> Window(ReplayPlan plan, ChatOptions chatOptions)
    {
        var info = this.GetService<ChatModelInfo>();
        if (info is null) return plan.Prompt;
        var reserve = chatOptions.MaxOutputTokens ?? Math.Min(options.ReplyReserveTokens, info.ContextWindow / 2);
        var window = chatOptions.AdditionalProperties?.TryGetValue(MemoryOptions.WindowKey, out var w) == true && w is int requested
            ? requested : options.WindowTokens ?? info.ContextWindow;
        var budget = Math.Min(window, info.ContextWindow - reserve);
        Func<IEnumerable<ChatMessage>, int> count = info.CountPromptTokensWithOptions is { } withOptions ? m => withOptions(m, chatOptions) : info.CountPromptTokens;
        return SlidingWindow.Fit(plan.Prompt, plan.NewMessages.Count(m => m.Role != ChatRole.System), budget, count);
    }

    /// <summary>The reply as it streams in.</summary>
    sealed class Reply
    {
        readonly StringBuilder _text = new();
        readonly List<FunctionCallContent> _calls = [];
        UsageDetails? _usage;
        GenerationTimings? _timings;
        ChatFinishReason? _finish;

        public bool Started { get; private set; }

        public void Add(ChatResponseUpdate u)
        {
            Started = true;
            foreach (var c in u.Contents)
            {
                switch (c)
                {
                    case TextContent t: _text.Append(t.Text); break;
                    case FunctionCallContent f: _calls.Add(f); break;
                    case UsageContent usage: _usage = usage.Details; break;
                }
            }
            _finish = u.FinishReason ?? _finish;
            if (u.AdditionalProperties?.TryGetValue(ChatOptionKeys.Timings, out var t2) == true && t2 is GenerationTimings timings) _timings = timings;
        }

        public NewMessage ToRecord(string? model, string provider, bool interrupted) => new(
            "assistant", _text.ToString(), ToolCalls: ToolCallJson.ArrayText(_calls), Model: model, Provider: provider,
            PromptTokens: (int?)_usage?.InputTokenCount, CompletionTokens: (int?)_usage?.OutputTokenCount,
            FinishReason: interrupted ? null : FinishReasons.ToWire(_finish), Interrupted: interrupted,
            Timings: _timings is null ? null : JsonSerializer.Serialize(_timings));
    }
}
