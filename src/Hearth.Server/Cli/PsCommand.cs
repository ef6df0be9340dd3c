using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using Spectre.Console;

namespace Hearth.Server.Cli;

/// <summary><c>hearth ps</c>: the models a running server has loaded.</summary>
static class PsCommand
{
    public static Command Create()
    {
        var command = new Command("ps", "List the models a running Hearth server has in memory.") { HearthCli.Host, HearthCli.Port, HearthCli.ApiKey };
        command.SetAction(async (parse, ct) =>
        {
            var host = parse.GetValue(HearthCli.Host)!;
            var url = $"http://{(host.Contains(':') ? $"[{host}]" : host)}:{parse.GetValue(HearthCli.Port)}/v1/models";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            if (parse.GetValue(HearthCli.ApiKey) is { } key) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            JsonDocument doc;
            try { doc = JsonDocument.Parse(await http.GetStringAsync(url, ct)); }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"hearth: no server answers at {url} ({e.Message}). Start one with `hearth serve`.");
                return 1;
            }
            using (doc)
            {
                var table = new Table().AddColumns("MODEL", "CONTEXT", "SIZE", "QUANTIZATION");
                foreach (var m in doc.RootElement.GetProperty("data").EnumerateArray().Where(m => m.GetProperty("loaded").GetBoolean()))
                    table.AddRow(Markup.Escape(m.GetProperty("id").GetString()!), m.GetProperty("context_window").ToString(),
                        $"{m.GetProperty("size").GetInt64() / 1048576.0:F1} MiB", Markup.Escape(m.GetProperty("quantization").ToString()));
                AnsiConsole.Write(table);
            }
            return 0;
        });
        return command;
    }
}
