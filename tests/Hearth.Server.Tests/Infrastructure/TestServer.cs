using Hearth.Core.Registry;
using Hearth.Server;
using Hearth.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Tests.Infrastructure;

/// <summary>
/// The real app on real Kestrel at 127.0.0.1:0, with its own HEARTH_HOME. Models come from the given registry,
/// or a test double named "fake" (<see cref="Model"/>).
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    readonly WebApplication _app;
    public ServerOptions Options { get; }
    public FakeChatModel Model { get; } = new("fake", contextWindow: 256);
    public Uri BaseAddress { get; }
    public HttpClient Http { get; }
    public string Home => Options.Home;

    TestServer(Action<ServerOptions>? configure, Func<ServerOptions, IModelRegistry>? models)
    {
        Options = new ServerOptions { Port = 0, Home = Directory.CreateTempSubdirectory("hearth-server-").FullName };
        configure?.Invoke(Options);
        IModelRegistry registry;
        if (models is not null) registry = models(Options);
        else
        {
            var file = Path.Combine(Options.Home, "fake.gguf");
            File.WriteAllBytes(file, new byte[100]);
            registry = new ModelRegistry(async (_, _, progress, ct) =>
            {
                progress?.Report(new ModelLoadProgress("read", 0.5, 50, 100, "reading"));
                await Task.Delay(10, ct);
                progress?.Report(new ModelLoadProgress("read", 1, 100, 100, "read"));
                return Model;
            }).AddFile(file);
        }
        _app = HearthApp.BuildApp(Options, registry);
        _app.StartAsync().GetAwaiter().GetResult();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public static TestServer Start(Action<ServerOptions>? configure = null, Func<ServerOptions, IModelRegistry>? models = null) => new(configure, models);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Options.Home, true); } catch (IOException) { }
    }
}
