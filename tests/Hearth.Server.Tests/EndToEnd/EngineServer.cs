using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.EndToEnd;

/// <summary>One server for a test class, serving the shared stories260K model.</summary>
public sealed class EngineServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public string ModelId => "fake";

    public Task InitializeAsync()
    {
        Server = TestServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
