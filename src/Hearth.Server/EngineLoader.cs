using Hearth.Core.Registry;
using Microsoft.Extensions.AI;

namespace Hearth.Server;

/// <summary>Loads a GGUF file with Hearth's own engine.</summary>
static class EngineLoader
{
    public static Task<IChatClient> Load(string modelId, string path, IProgress<ModelLoadProgress>? progress, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The engine's ChatModel has not landed in this build yet.");
}
