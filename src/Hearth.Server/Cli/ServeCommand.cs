using System.CommandLine;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hearth.Server.Cli;

/// <summary><c>hearth serve</c>: the /v1 API and the web UI on 127.0.0.1:11435.</summary>
static class ServeCommand
{
    static readonly Option<string[]> AllowedHosts = new("--allowed-host") { Description = "Accept this Host header name too (repeatable)." };
    static readonly Option<string[]> CorsOrigins = new("--cors-origin") { Description = "Let pages from this origin call the API (repeatable; * for any)." };
    static readonly Option<long> MaxBody = new("--max-body-bytes") { Description = "Largest request body.", DefaultValueFactory = _ => 4 * 1024 * 1024 };
    static readonly Option<int> MaxConcurrent = new("--max-concurrent") { Description = "Generations running at once.", DefaultValueFactory = _ => 8 };
    static readonly Option<int> MaxQueue = new("--max-queue") { Description = "Requests waiting beyond those (then 429).", DefaultValueFactory = _ => 32 };
    static readonly Option<int> Parallel = new("--parallel")
    {
        Description = "Generations per model at once, decoded in shared batches (HEARTH_PARALLEL; each has its own KV cache).",
        DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("HEARTH_PARALLEL"), out var n) ? n : Engine.Chat.ChatModelOptions.DefaultParallel,
    };
    static readonly Option<int?> MemoryWindow = new("--memory-window") { Description = "Most tokens of conversation history replayed per request." };
    static readonly Option<string?> WebRoot = new("--web-root") { Description = "Folder of the built web UI (default: web/dist, found automatically)." };

    public static Command Create()
    {
        var command = new Command("serve", "Serve the OpenAI-compatible API and the web chat UI.")
        {
            HearthCli.Host, HearthCli.Port, HearthCli.Home, HearthCli.ApiKey, HearthCli.Model, HearthCli.ContextLength, HearthCli.ModelFiles, HearthCli.ModelFolders,
            AllowedHosts, CorsOrigins, MaxBody, MaxConcurrent, MaxQueue, Parallel, MemoryWindow, WebRoot,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ServerOptions
            {
                Host = parse.GetValue(HearthCli.Host)!,
                Port = parse.GetValue(HearthCli.Port),
                Home = Core.Service.HearthHome.Resolve(parse.GetValue(HearthCli.Home)),
                ApiKey = parse.GetValue(HearthCli.ApiKey),
                DefaultModel = parse.GetValue(HearthCli.Model),
                ContextLength = parse.GetValue(HearthCli.ContextLength),
                ModelFiles = [.. parse.GetValue(HearthCli.ModelFiles) ?? []],
                ModelFolders = [.. parse.GetValue(HearthCli.ModelFolders) ?? []],
                AllowedHosts = [.. parse.GetValue(AllowedHosts) ?? []],
                CorsOrigins = [.. parse.GetValue(CorsOrigins) ?? []],
                MaxBodyBytes = parse.GetValue(MaxBody),
                MaxConcurrentRequests = parse.GetValue(MaxConcurrent),
                MaxQueuedRequests = parse.GetValue(MaxQueue),
                MemoryWindowTokens = parse.GetValue(MemoryWindow),
                Parallel = parse.GetValue(Parallel),
                WebRoot = parse.GetValue(WebRoot),
            };
            try { options.Validate(); }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine("hearth: " + e.Message);
                return 2;
            }

            using var manager = HearthApp.DefaultManager(options);
            await using var models = HearthApp.DefaultModels(options, manager);
            WebApplication app;
            try { app = HearthApp.BuildApp(options, models, manager); }
            catch (InvalidDataException e)
            {
                Console.Error.WriteLine("hearth: " + e.Message); // a providers.json that does not parse
                return 2;
            }
            await using var _ = app;
            await app.StartAsync(ct);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            // Tests and scripts read this line to find the port.
            Console.WriteLine($"Hearth listening on {address}");
            Console.WriteLine($"Conversations: {Core.Service.HearthHome.ConversationsDb(options.Home)}");
            Console.WriteLine($"Default model: {models.DefaultModel} (loaded, and downloaded if need be, on first use)");
            var routing = app.Services.GetRequiredService<Core.Routing.ProviderRouter>().Configuration;
            foreach (var p in routing.Providers)
                Console.WriteLine($"Provider: {p.Name} at {p.BaseUrl} ({(p.IsLocal ? "local" : "not local")}): models {p.Name}/<model>");
            if (routing.Routing.OfflineOnly) Console.WriteLine("Offline only: no request leaves this device.");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
