using System.Runtime.CompilerServices;
using System.Text;
using Hearth.Engine.Generation;
using Hearth.Engine.Gguf;
using Hearth.Engine.Models;
using Hearth.Engine.Templates;
using Hearth.Engine.Tokenization;
using Hearth.Engine.Tools;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Chat;

/// <summary>
/// A GGUF model as an <see cref="IChatClient"/>: renders the conversation with the model's chat template, generates
/// on KV caches that it keeps between calls (the next turn only evaluates what is new), and reports usage,
/// finish reason, timings and optional logprobs. Up to <see cref="ChatModelOptions.Parallel"/> generations run at
/// once, each on its own cache (the one sharing the longest prefix with its prompt), their tokens decoded in one
/// batched forward pass; others wait their turn.
/// </summary>
public sealed class ChatModel : IChatClient
{
    readonly GgufFile _file;
    readonly TransformerModel _model;
    readonly ChatPrompt _prompt;
    readonly Generator _generator;
    readonly StructuredOutput _structured;
    readonly CacheSlots _slots;
    readonly DecodeBatcher _batcher;
    readonly ChatClientMetadata _metadata;
    bool _disposed;

    ChatModel(GgufFile file, TransformerModel model, Tokenizer tokenizer, ChatTemplate? template, ToolCallFormat? toolFormat, int contextLength, int parallel, string modelId)
    {
        _file = file;
        _model = model;
        Tokenizer = tokenizer;
        ContextWindow = contextLength;
        _slots = new CacheSlots(model, contextLength, parallel);
        _batcher = new DecodeBatcher(model, parallel);
        _prompt = new ChatPrompt(tokenizer, template);
        // A tool-call format's tags that the vocabulary has as control tokens are shown, or the parser could not see them.
        var tagTokens = (toolFormat?.Tags ?? []).Select(tokenizer.FindToken).OfType<int>().Where(tokenizer.IsControl).ToHashSet();
        _generator = new Generator(tokenizer, tagTokens);
        _structured = new StructuredOutput(tokenizer, toolFormat, modelId, tagTokens);
        ModelId = modelId;
        Info = new ChatModelInfo(modelId, contextLength, messages => CountPromptTokens(messages))
        {
            CountPromptTokensWithOptions = CountPromptTokens,
        };
        _metadata = new ChatClientMetadata("hearth", defaultModelId: modelId);
    }

    public string ModelId { get; }

    public ChatModelInfo Info { get; }

    public ModelConfig Config => _model.Config;

    public Tokenizer Tokenizer { get; }

    /// <summary>The context window as loaded, in tokens.</summary>
    public int ContextWindow { get; }

    /// <summary>Batched decode passes run so far, and the generated tokens they decoded (their ratio is the mean batch).</summary>
    public long DecodeBatches => _batcher.Batches;
    public long DecodedTokens => _batcher.Tokens;

    /// <summary>Whether the model has a chat template; without one, messages are concatenated as a raw completion prompt.</summary>
    public bool HasChatTemplate => _prompt.HasTemplate;

    /// <summary>How the model writes tool calls, judged from its chat template; null when it shows none (then tools are refused).</summary>
    public ToolCallFormat? ToolCallFormat => _structured.Format;

    /// <summary>
    /// Opens a GGUF file and loads its model, tokenizer and chat template. The context window is
    /// <see cref="ChatModelOptions.ContextLength"/> or min(trained context, 4096).
    /// </summary>
    public static ChatModel Load(string ggufPath, ChatModelOptions? options = null, IProgress<double>? progress = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ggufPath);
        options ??= new ChatModelOptions();
        if (options.ContextLength is < 1) throw new ArgumentOutOfRangeException(nameof(options), options.ContextLength, "ContextLength must be at least 1.");
        if (options.Parallel is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(options), options.Parallel, "Parallel must be between 1 and 256.");
        ct.ThrowIfCancellationRequested();
        progress?.Report(0);
        var file = GgufFile.Open(ggufPath);
        TransformerModel? model = null;
        try
        {
            var tokenizer = Tokenizer.FromGguf(file);
            var templateSource = options.ChatTemplate ?? file.GetString("tokenizer.chat_template");
            var template = string.IsNullOrWhiteSpace(templateSource) ? null : ChatTemplate.Parse(templateSource);
            var toolFormat = template is null ? null : Tools.ToolCallFormat.Detect(templateSource, t => tokenizer.FindToken(t) is not null);
            progress?.Report(0.2);
            ct.ThrowIfCancellationRequested();
            model = TransformerModel.Load(file, options.Threads);
            progress?.Report(0.9);
            ct.ThrowIfCancellationRequested();
            var contextLength = options.ContextLength ?? Math.Min(model.Config.ContextLength, ChatModelOptions.DefaultMaxContext);
            var modelId = options.ModelId ?? Path.GetFileNameWithoutExtension(ggufPath);
            var chat = new ChatModel(file, model, tokenizer, template, toolFormat, contextLength, options.Parallel, modelId);
            progress?.Report(1);
            return chat;
        }
        catch
        {
            model?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>The exact number of prompt tokens these messages render to.</summary>
    public int CountPromptTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null) => _prompt.Tokenize(messages, options).Length;

    /// <summary>The prompt text these messages render to (chat template with the generation prompt, or the raw fallback).</summary>
    public string RenderPrompt(IEnumerable<ChatMessage> messages, ChatOptions? options = null) => _prompt.Render(messages, options);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        var calls = new List<FunctionCallContent>();
        var logprobs = new List<TokenLogprob>();
        ChatResponseUpdate? last = null;
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(update.Text);
            calls.AddRange(update.Contents.OfType<FunctionCallContent>());
            if (update.AdditionalProperties?.TryGetValue(ChatOptionKeys.LogprobsContent, out var lp) == true && lp is IReadOnlyList<TokenLogprob> list)
                logprobs.AddRange(list);
            last = update;
        }
        List<AIContent> contents = text.Length > 0 || calls.Count == 0 ? [new TextContent(text.ToString())] : [];
        contents.AddRange(calls);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, contents) { MessageId = last?.MessageId })
        {
            ResponseId = last?.ResponseId,
            ModelId = ModelId,
            CreatedAt = last?.CreatedAt,
            FinishReason = last?.FinishReason,
            Usage = last?.Contents.OfType<UsageContent>().FirstOrDefault()?.Details,
            AdditionalProperties = new AdditionalPropertiesDictionary(),
        };
        if (last?.AdditionalProperties?.TryGetValue(ChatOptionKeys.Timings, out var timings) == true)
            response.AdditionalProperties[ChatOptionKeys.Timings] = timings;
        if (logprobs.Count > 0) response.AdditionalProperties[ChatOptionKeys.LogprobsContent] = logprobs;
        return response;
    }

    /// <summary>
    /// Streams the reply: updates carry TextContent (and, when asked, the logprobs of the tokens behind that text);
    /// the last update carries the finish reason, <see cref="UsageContent"/> and <see cref="GenerationTimings"/>.
    /// <see cref="ChatOptions.ResponseFormat"/> (JSON, JSON schema) constrains every token to the schema's grammar.
    /// With <see cref="ChatOptions.Tools"/>, calls in the model's format come back as whole
    /// <see cref="FunctionCallContent"/>s (finish reason ToolCalls); <see cref="ChatOptions.ToolMode"/> required or
    /// a named function forces a call whose arguments follow the function's parameters schema.
    /// Cancelling stops between two tokens.
    /// </summary>
    /// <exception cref="ContextOverflowException">The prompt (plus MaxOutputTokens, when set) does not fit the context window.</exception>
    /// <exception cref="Grammar.UnsupportedSchemaException">A schema uses a keyword that can't be enforced.</exception>
    /// <exception cref="ArgumentException">Invalid options, tools this model can't call, or a tool mode naming no given tool.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(messages);
        var plan = _structured.Plan(options);
        var generation = ChatOptionsMapping.ToGenerationOptions(options, _model.Config.VocabSize) with { Constraint = plan.Constraint };
        var prompt = _prompt.Tokenize(messages, options);
        var responseId = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;
        var reply = new ToolCallContents(plan.ToolFormat);

        var state = await _slots.AcquireAsync(prompt, cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var pendingLogprobs = new List<TokenLogprob>();
            await foreach (var step in _generator.GenerateAsync(state, _batcher, prompt, generation, cancellationToken).ConfigureAwait(false))
            {
                if (step.Logprob is not null) pendingLogprobs.Add(step.Logprob);
                if (!step.IsFinal)
                {
                    // Text held back (a partial character, a possible stop string, a tool call being written) comes later, with these logprobs.
                    var contents = reply.Push(step.Text);
                    if (contents.Count == 0) continue;
                    yield return Update(contents, TakeLogprobs(pendingLogprobs));
                    continue;
                }

                var timings = step.Timings!;
                var final = Update(reply.Finish(step.Text), TakeLogprobs(pendingLogprobs));
                final.FinishReason = FinishReason(step.FinishReason!.Value, reply.CallCount, plan.CallForced);
                final.Contents.Add(new UsageContent(new UsageDetails
                {
                    InputTokenCount = timings.PromptTokens,
                    OutputTokenCount = timings.GeneratedTokens,
                    TotalTokenCount = timings.PromptTokens + timings.GeneratedTokens,
                    CachedInputTokenCount = timings.CachedPromptTokens,
                }));
                (final.AdditionalProperties ??= [])[ChatOptionKeys.Timings] = timings;
                yield return final;
            }
        }
        finally
        {
            _slots.Release(state);
        }

        ChatResponseUpdate Update(List<AIContent> contents, List<TokenLogprob>? logprobs)
        {
            var update = new ChatResponseUpdate(ChatRole.Assistant, contents)
            {
                ResponseId = responseId,
                MessageId = responseId,
                CreatedAt = created,
                ModelId = ModelId,
            };
            if (logprobs is not null) update.AdditionalProperties = new() { [ChatOptionKeys.LogprobsContent] = (IReadOnlyList<TokenLogprob>)logprobs };
            return update;
        }
    }

    /// <summary>A reply with calls ends for them (OpenAI's "tool_calls"), unless a free reply was cut short; a forced one is complete by its grammar.</summary>
    static ChatFinishReason FinishReason(GenerationFinishReason finish, int calls, bool forced) =>
        calls > 0 && (forced || finish == GenerationFinishReason.Stop) ? ChatFinishReason.ToolCalls
        : finish == GenerationFinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;

    static List<TokenLogprob>? TakeLogprobs(List<TokenLogprob> pending)
    {
        if (pending.Count == 0) return null;
        var taken = pending.ToList();
        pending.Clear();
        return taken;
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatModelInfo)) return Info;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType == typeof(Tokenizer)) return Tokenizer;
        if (serviceType == typeof(ModelConfig)) return Config;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Frees the KV caches and the model; waits for running generations to finish first.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _slots.Dispose();
        _batcher.Dispose();
        _model.Dispose();
        _file.Dispose();
    }
}
