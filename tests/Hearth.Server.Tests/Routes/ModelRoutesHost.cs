using Hearth.Core.Models;
using Hearth.Server.Routes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Server.Tests.Routes;

/// <summary>A real Kestrel on 127.0.0.1 serving just the model, job and storage routes over a temporary HEARTH_HOME.</summary>
public sealed class ModelRoutesHost : IAsyncDisposable
{
    readonly WebApplication _app;

    ModelRoutesHost(WebApplication app, ModelManager models, string home)
    {
        _app = app;
        Models = models;
        Home = home;
    }

    public ModelManager Models { get; }
    public string Home { get; }
    public HttpClient Client { get; private set; } = null!;

    public static async Task<ModelRoutesHost> StartAsync(ILoadedModels? loaded = null)
    {
        var home = Directory.CreateTempSubdirectory("hearth-routes-").FullName;
        var models = new ModelManager(new ModelOptions { Home = home, HubEndpoint = new Uri("http://127.0.0.1:9/"), QuotaBytes = 10_000_000 });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(models);
        if (loaded is not null) builder.Services.AddSingleton(loaded);
        var app = builder.Build();
        app.MapJobs();
        app.MapStorage();
        app.MapLoadedModels();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ModelRoutesHost(app, models, home) { Client = new HttpClient { BaseAddress = new Uri(address) } };
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Models.Dispose();
        try { Directory.Delete(Home, recursive: true); } catch (IOException) { }
    }
}
