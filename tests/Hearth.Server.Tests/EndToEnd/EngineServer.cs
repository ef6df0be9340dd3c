using Hearth.Core.Models;
using Hearth.Server;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.EndToEnd;

/// <summary>
/// One server for a test class, serving the shared stories260K model through the real registry and Hearth's own
/// engine (the same composition `hearth serve --model-file stories260K.gguf` uses).
/// </summary>
public sealed class EngineServer : IAsyncLifetime
{
    ModelManager? _manager;
    public TestServer Server { get; private set; } = null!;
    public string ModelId => "stories260K";

    public Task InitializeAsync()
    {
        Server = TestServer.Start(
            o => o.ModelFiles.Add(TestModels.Path("stories260K.gguf")),
            o => HearthApp.DefaultModels(o, _manager = HearthApp.DefaultManager(o)));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _manager?.Dispose();
    }
}
