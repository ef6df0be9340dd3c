using Hearth.Client;
using Hearth.Core.Memory;
using Hearth.Core.Models;
using Hearth.Core.Registry;
using Hearth.Core.Routing;
using Hearth.Core.Service;
using Hearth.Tests.Fakes;
using Hearth.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Hearth.Tests.Client;

/// <summary>Proxy mode: <see cref="HearthClient"/> against a real server.</summary>
public sealed class HearthClientTests : HearthContract
{
    TestServer _server = null!;

    protected override Task<(IHearth, FakeChatModel, string)> StartAsync()
    {
        _server = TestServer.Start();
        return Task.FromResult<(IHearth, FakeChatModel, string)>((new HearthClient(_server.BaseAddress), _server.Model, Path.Combine(_server.Home, "fake.gguf")));
    }

    protected override async Task StopAsync() => await _server.DisposeAsync();
}

/// <summary>Main mode: Hearth.Core in this process, built as the server builds it.</summary>
public sealed class InProcessHearthTests : HearthContract
{
    string _home = null!;
    ModelManager _manager = null!;
    ModelRegistry _registry = null!;

    protected override Task<(IHearth, FakeChatModel, string)> StartAsync()
    {
        _home = Directory.CreateTempSubdirectory("hearth-inproc-").FullName;
        var model = new FakeChatModel("fake", contextWindow: 256);
        var file = Path.Combine(_home, "fake.gguf");
        File.WriteAllBytes(file, new byte[100]);
        _registry = new ModelRegistry(async (_, _, progress, ct) =>
        {
            progress?.Report(new ModelLoadProgress("read", 0.5, 50, 100, "reading"));
            await Task.Delay(10, ct);
            return model;
        }).AddFile(file);
        _manager = new ModelManager(new ModelOptions { Home = _home });
        var hearth = new InProcessHearth(new ProviderRouter(_registry), _manager, ConversationStore.Open(Path.Combine(_home, "hearth.db")));
        return Task.FromResult<(IHearth, FakeChatModel, string)>((hearth, model, file));
    }

    protected override async Task StopAsync()
    {
        await _registry.DisposeAsync();
        _manager.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_home, true); } catch (IOException) { }
    }
}
