using Hearth.Core.Registry;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Server;

/// <summary>Loads a GGUF file with Hearth's own engine.</summary>
static class EngineLoader
{
    /// <summary>A loader that opens models with <paramref name="contextLength"/> tokens of context (null: min(trained, 4096)).</summary>
    public static ChatClientLoader Create(int? contextLength, int parallel = ChatModelOptions.DefaultParallel, int threads = 0) => (modelId, path, progress, ct) =>
        // Loading maps the file and builds the tokenizer and weights views: CPU work, kept off the request thread.
        Task.Run<IChatClient>(() => ChatModel.Load(path, new ChatModelOptions { ContextLength = contextLength, Parallel = parallel, Threads = threads, ModelId = modelId },
            progress is null ? null : new LoadProgress(progress, new FileInfo(path).Length), ct), ct);

    /// <summary>The engine's 0..1 load fraction as a "loading" phase event.</summary>
    sealed class LoadProgress(IProgress<ModelLoadProgress> inner, long size) : IProgress<double>
    {
        public void Report(double value) =>
            inner.Report(new ModelLoadProgress(value >= 1 ? "ready" : "loading", value, (long)(size * value), size, value >= 1 ? "loaded" : "loading weights"));
    }
}
