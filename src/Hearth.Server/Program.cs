using Hearth.Core.Chat;
using Hearth.Core.Memory;
using Hearth.Core.Models;
using Hearth.Core.Providers;
using Hearth.Core.Registry;
using Hearth.Core.Routing;
using Hearth.Core.Service;
using Hearth.Core.Telemetry;
using Hearth.Server;
using Hearth.Server.Cli;
using Hearth.Server.Http;
using Hearth.Server.Routes;

// hearth serve | run | pull | list | rm | ps  (Cli/). `serve` hosts the app built below.
return await HearthCli.Create().Parse(args).InvokeAsync();

namespace Hearth.Server
{
    public static class HearthApp
    {
        /// <summary>The HTTP service: its options, its guards, and the table of routes.</summary>
        /// <param name="manager">Model files (catalog, cache, downloads, jobs); null makes one for <c>options.Home</c>.</param>
        public static WebApplication BuildApp(ServerOptions options, IModelRegistry models, ModelManager? manager = null)
        {
            options.Validate();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(options.Host == "localhost" ? System.Net.IPAddress.Loopback : System.Net.IPAddress.Parse(options.Host), options.Port);
                k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            });

            var metrics = new HearthMetrics();
            var store = ConversationStore.Open(HearthHome.ConversationsDb(options.Home));
            var memory = new MemoryOptions { WindowTokens = options.MemoryWindowTokens };
            // Every request's model goes through the router: this machine's models plus HEARTH_HOME/providers.json.
            var providers = new ProviderStore(options.Home);
            var bridge = new BrowserBridge(); // pages offering their in-browser engine: provider "browser"
            var router = models as ProviderRouter ?? new ProviderRouter(models, providers.Load(), metrics, attached: [bridge]);
            builder.Services.AddSingleton(options).AddSingleton<IModelRegistry>(router).AddSingleton(metrics).AddSingleton(store).AddSingleton(memory)
                .AddSingleton(providers).AddSingleton(_ => router).AddSingleton(bridge)
                .AddSingleton(new RequestQueue(options.MaxConcurrentRequests, options.MaxQueuedRequests, metrics))
                .AddSingleton<ChatCompletionHandler>();
            if (manager is not null) builder.Services.AddSingleton(manager);
            else builder.Services.AddSingleton(_ => DefaultManager(options)); // owned (and disposed) by the app
            if (models is ModelRegistry registry) builder.Services.AddSingleton(registry.Host);

            var app = builder.Build();
            metrics.LoadedModels = () => router.Local.ListAsync().GetAwaiter().GetResult().Count(m => m.Loaded); // this machine's only: no network
            app.UseMiddleware<ErrorHandling>();
            app.UseMiddleware<HostGuard>();
            app.UseWebSockets();
            WebUi.Use(app, options.WebRoot);

            app.MapPost("/v1/chat/completions", ChatRoutes.Completions);
            app.MapGet("/v1/models", ModelRoutes.List);
            app.MapPost("/v1/models/load", ModelRoutes.Load);
            app.MapPost("/v1/models/unload", ModelRoutes.Unload);
            app.MapDelete("/v1/models/{**id}", ModelRoutes.Delete);
            app.MapJobs();              // /v1/jobs: pulls that outlive their client
            app.MapStorage();           // /v1/storage: disk use and quota
            app.MapLoadedModels();      // /api/ps: what hearth ps shows
            app.MapGet("/v1/conversations", ConversationRoutes.List);
            app.MapPost("/v1/conversations", ConversationRoutes.Create);
            app.MapGet("/v1/conversations/{id}", ConversationRoutes.Get);
            app.MapMethods("/v1/conversations/{id}", ["PATCH"], ConversationRoutes.Update);
            app.MapDelete("/v1/conversations/{id}", ConversationRoutes.Delete);
            app.MapGet("/v1/conversations/{id}/messages", ConversationRoutes.Messages);
            app.Map("/v1/bridge", BridgeRoutes.Connect); // WebSocket: in-browser engines as provider "browser"
            app.MapProviders();         // /v1/providers, /v1/routing: other servers, the cloud, and how requests pick among them
            app.MapGet("/metrics", MetricsRoutes.Prometheus);
            app.MapFallback("/v1/{**path}", NotFound.Route);
            return app;
        }

        /// <summary>
        /// The models <c>hearth serve</c> and <c>hearth run</c> offer: files and folders named on the command line,
        /// then the catalog, the cache and the Hub through <paramref name="manager"/>, loaded by Hearth's engine.
        /// </summary>
        public static ModelRegistry DefaultModels(ServerOptions options, ModelManager manager)
        {
            var registry = new ModelRegistry(EngineLoader.Create(options.ContextLength, options.Parallel), manager,
                ModelHostOptions.FromEnvironment() with { DefaultKeepAlive = options.KeepAlive, MaxLoaded = options.MaxLoadedModels });
            foreach (var folder in options.ModelFolders) registry.AddFolder(folder);
            foreach (var file in options.ModelFiles) registry.AddFile(file);
            registry.DefaultModel = options.DefaultModel ?? manager.Catalog.DefaultModel.Id;
            if (File.Exists(registry.DefaultModel))
            {
                // A local file as the default model is served under its file name.
                registry.AddFile(registry.DefaultModel);
                registry.DefaultModel = Path.GetFileNameWithoutExtension(registry.DefaultModel);
            }
            return registry;
        }

        /// <summary>The model manager for a server's home: HEARTH_HF_ENDPOINT, HF_TOKEN, HEARTH_MODELS_QUOTA apply.</summary>
        public static ModelManager DefaultManager(ServerOptions options) =>
            new(ModelOptions.FromEnvironment() with { Home = options.Home });
    }
}
