using System.Runtime.CompilerServices;
using System.Text;
using Hearth.Engine.Generation;
using Hearth.Engine.Gguf;
using Hearth.Engine.Models;
using Hearth.Engine.Templates;
using Hearth.Engine.Tokenization;
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
    readonly CacheSlots _slots;
    readonly DecodeBatcher _batcher;
    readonly ChatClientMetadata _metadata;
    bool _disposed;

    ChatModel(GgufFile file, TransformerModel model, Tokenizer tokenizer, ChatTemplate? template, int contextLength, int parallel, string modelId)
    {
        _file = file;
        _model = model;
        Tokenizer = tokenizer;
        ContextWindow = contextLength;
        _slots = new CacheSlots(model, contextLength, parallel);
        _batcher = new DecodeBatcher(model, parallel);
        _prompt = new ChatPrompt(tokenizer, template);
        _generator = new Generator(tokenizer);
        ModelId = modelId;
        Info = new ChatModelInfo(modelId, contextLength, messages => CountPromptTokens(messages));
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
            var templateSource = file.GetString("tokenizer.chat_template");
            var template = string.IsNullOrWhiteSpace(templateSource) ? null : ChatTemplate.Parse(templateSource);
            progress?.Report(0.2);
            ct.ThrowIfCancellationRequested();
            model = TransformerModel.Load(file, options.Threads);
            progress?.Report(0.9);
            ct.ThrowIfCancellationRequested();
            var contextLength = options.ContextLength ?? Math.Min(model.Config.ContextLength, ChatModelOptions.DefaultMaxContext);
            var modelId = options.ModelId ?? Path.GetFileNameWithoutExtension(ggufPath);
            var chat = new ChatModel(file, model, tokenizer, template, contextLength, options.Parallel, modelId);
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
        var logprobs = new List<TokenLogprob>();
        ChatResponseUpdate? last = null;
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            text.Append(update.Text);
            if (update.AdditionalProperties?.TryGetValue(ChatOptionKeys.LogprobsContent, out var lp) == true && lp is IReadOnlyList<TokenLogprob> list)
                logprobs.AddRange(list);
            last = update;
        }
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()) { MessageId = last?.MessageId })
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
    /// Cancelling stops between two tokens.
    /// </summary>
    /// <exception cref="ContextOverflowException">The prompt (plus MaxOutputTokens, when set) does not fit the context window.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(messages);
        var generation = ChatOptionsMapping.ToGenerationOptions(options, _model.Config.VocabSize);
        var prompt = _prompt.Tokenize(messages, options);
        var responseId = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;

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
                    // Text held back (a partial character or a possible stop string) comes later, with these logprobs.
                    if (step.Text.Length == 0) continue;
                    yield return Update(step.Text, TakeLogprobs(pendingLogprobs));
                    continue;
                }

                var timings = step.Timings!;
                var final = Update(step.Text, TakeLogprobs(pendingLogprobs));
                final.FinishReason = step.FinishReason == GenerationFinishReason.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;
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

        ChatResponseUpdate Update(string text, List<TokenLogprob>? logprobs)
        {
            var update = new ChatResponseUpdate(ChatRole.Assistant, text.Length > 0 ? [new TextContent(text)] : [])
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
