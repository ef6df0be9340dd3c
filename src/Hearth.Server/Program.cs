using Hearth.Core.Chat;
using Hearth.Core.Memory;
using Hearth.Core.Registry;
using Hearth.Core.Service;
using Hearth.Core.Telemetry;
using Hearth.Server;
using Hearth.Server.Cli;
using Hearth.Server.Http;
using Hearth.Server.Routes;

// hearth serve | run MODEL | ps  (Cli/). `serve` hosts the app built below.
return await HearthCli.Create().Parse(args).InvokeAsync();

namespace Hearth.Server
{
    public static class HearthApp
    {
        /// <summary>The HTTP service: its options, its guards, and the table of routes.</summary>
        public static WebApplication BuildApp(ServerOptions options, IModelRegistry models)
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
            builder.Services.AddSingleton(options).AddSingleton(models).AddSingleton(metrics).AddSingleton(store).AddSingleton(memory)
                .AddSingleton(new RequestQueue(options.MaxConcurrentRequests, options.MaxQueuedRequests, metrics))
                .AddSingleton<ChatCompletionHandler>();

            var app = builder.Build();
            metrics.LoadedModels = () => models.ListAsync().GetAwaiter().GetResult().Count(m => m.Loaded);
            app.UseMiddleware<ErrorHandling>();
            app.UseMiddleware<HostGuard>();
            WebUi.Use(app, options.WebRoot);

            app.MapPost("/v1/chat/completions", ChatRoutes.Completions);
            app.MapGet("/v1/models", ModelRoutes.List);
            app.MapPost("/v1/models/load", ModelRoutes.Load);
            app.MapPost("/v1/models/unload", ModelRoutes.Unload);
            app.MapGet("/v1/conversations", ConversationRoutes.List);
            app.MapPost("/v1/conversations", ConversationRoutes.Create);
            app.MapGet("/v1/conversations/{id}", ConversationRoutes.Get);
            app.MapMethods("/v1/conversations/{id}", ["PATCH"], ConversationRoutes.Update);
            app.MapDelete("/v1/conversations/{id}", ConversationRoutes.Delete);
            app.MapGet("/v1/conversations/{id}/messages", ConversationRoutes.Messages);
            app.MapGet("/metrics", MetricsRoutes.Prometheus);
            app.MapFallback("/v1/{**path}", NotFound.Route);
            return app;
        }

        /// <summary>The models <c>hearth serve</c> offers: HEARTH_HOME/models, plus folders and files named on the command line.</summary>
        public static LocalModelRegistry DefaultModels(ServerOptions options)
        {
            var registry = new LocalModelRegistry(EngineLoader.Load).AddFolder(HearthHome.Models(options.Home));
            foreach (var folder in options.ModelFolders) registry.AddFolder(folder);
            foreach (var file in options.ModelFiles) registry.AddFile(file);
            return registry;
        }
    }
}
