using Hearth.Core.Registry;
using Hearth.Engine.Chat;
using Hearth.Tests.Infrastructure;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.EndToEnd;

/// <summary>
/// One real server for a test class, serving real engine models: "qwen" (tiny Qwen2, random weights, its Qwen2.5
/// template with tools) and "stories" (stories260K, no template).
/// </summary>
public sealed class ToolServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Server = TestServer.Start(models: _ => new ModelRegistry((id, path, _, ct) =>
                Task.Run<IChatClient>(() => ChatModel.Load(path, new ChatModelOptions { ModelId = id, ContextLength = 1024, Threads = 1 }, null, ct), ct))
            .AddFile(TestModels.Path("tiny-qwen2-q8_0.gguf"), "qwen")
            .AddFile(TestModels.Path("stories260K.gguf"), "stories"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
