using System.CommandLine;
using Hearth.Core.Providers;
using Spectre.Console;

namespace Hearth.Server.Cli;

/// <summary>
/// <c>hearth providers list | add | rm</c>: edits HEARTH_HOME/providers.json (a running server reads it when it starts;
/// <c>/v1/providers</c> changes a running one). Keys are never printed.
/// </summary>
static class ProvidersCommand
{
    static readonly Argument<string> Name = new("name") { Description = "The provider's name: the prefix of its model ids (name/model)." };
    static readonly Argument<string> BaseUrl = new("base-url") { Description = "Its OpenAI-compatible API root, e.g. http://127.0.0.1:11434/v1." };
    static readonly Option<string?> KeyEnv = new("--api-key-env") { Description = "Environment variable that holds its API key." };
    static readonly Option<string?> Key = new("--api-key") { Description = "The API key itself (stored in providers.json; prefer --api-key-env)." };
    static readonly Option<bool?> Local = new("--local") { Description = "Inference stays on this device (default: true for a loopback address)." };
    static readonly Option<int> Priority = new("--priority") { Description = "Lower goes first (this machine's engine is 0).", DefaultValueFactory = _ => 100 };
    static readonly Option<string[]> Models = new("--served-model") { Description = "A model it serves (repeatable; default: ask its /models)." };
    static readonly Option<double?> PriceIn = new("--price-input") { Description = "USD per million prompt tokens." };
    static readonly Option<double?> PriceOut = new("--price-output") { Description = "USD per million completion tokens." };

    public static Command Create()
    {
        var list = new Command("list", "List configured providers.") { HearthCli.Home };
        list.SetAction(parse => Run(parse, store =>
        {
            var file = store.Load();
            var table = new Table().AddColumns("NAME", "URL", "LOCAL", "PRIORITY", "MODELS", "KEY");
            table.AddRow("local", "(this machine)", "yes", file.Routing.LocalPriority.ToString(), "(hearth list)", "-");
            foreach (var p in file.Providers)
                table.AddRow(Markup.Escape(p.Name), Markup.Escape(p.BaseUrl), p.IsLocal ? "yes" : "no", p.Priority.ToString(),
                    Markup.Escape(p.Models.Count == 0 ? "(asked)" : string.Join(", ", p.Models)), p.ResolveApiKey() is { Length: > 0 } ? "set" : "-");
            AnsiConsole.Write(table);
            var r = file.Routing;
            Console.WriteLine($"Routing: policy={r.Policy} prefer_local={r.PreferLocal} cloud_fallback={r.CloudFallback} offline_only={r.OfflineOnly}");
        }));

        var add = new Command("add", "Add (or replace) an OpenAI-compatible provider.") { Name, BaseUrl, HearthCli.Home, KeyEnv, Key, Local, Priority, Models, PriceIn, PriceOut };
        add.SetAction(parse => Run(parse, store =>
        {
            var file = store.Load();
            var provider = new ProviderConfig
            {
                Name = parse.GetValue(Name)!, BaseUrl = parse.GetValue(BaseUrl)!, ApiKeyEnv = parse.GetValue(KeyEnv), ApiKey = parse.GetValue(Key),
                Local = parse.GetValue(Local), Priority = parse.GetValue(Priority), Models = [.. parse.GetValue(Models) ?? []],
            };
            if (parse.GetValue(PriceIn) is not null || parse.GetValue(PriceOut) is not null)
                provider.Prices["*"] = new PriceConfig { InputPerMillion = parse.GetValue(PriceIn) ?? 0, OutputPerMillion = parse.GetValue(PriceOut) ?? 0 };
            file.Providers.RemoveAll(p => p.Name == provider.Name);
            file.Providers.Add(provider);
            store.Save(file);
            Console.WriteLine($"Added {provider.Name} ({provider.BaseUrl}, {(provider.IsLocal ? "local" : "not local")}). Its models are {provider.Name}/<model>.");
        }));

        var rm = new Command("rm", "Remove a provider.") { Name, HearthCli.Home };
        rm.SetAction(parse => Run(parse, store =>
        {
            var file = store.Load();
            var name = parse.GetValue(Name)!;
            if (file.Providers.RemoveAll(p => p.Name == name) == 0) throw new ArgumentException($"No provider named '{name}'.");
            store.Save(file);
            Console.WriteLine($"Removed {name}.");
        }));

        return new Command("providers", "Other OpenAI-compatible servers and cloud APIs Hearth can route to.") { list, add, rm };
    }

    static int Run(ParseResult parse, Action<ProviderStore> action)
    {
        try
        {
            action(new ProviderStore(Core.Service.HearthHome.Resolve(parse.GetValue(HearthCli.Home))));
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
        {
            Console.Error.WriteLine("hearth: " + e.Message);
            return 2;
        }
    }
}
