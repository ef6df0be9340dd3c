using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hearth.Core.Registry;
using Hearth.Server;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Hearth.Bench;

/// <summary>
/// The service's speed figures (issue 3): HTTP streaming against the engine in process, time to first token of a
/// second turn against the first (prefix reuse), and aggregate tokens/s of 1, 4 and 8 concurrent streams.
/// Usage: Hearth.Bench service [MODEL.gguf] [tokens]
/// </summary>
static class ServiceBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var path = args.Length > 0 ? args[0] : FindModel("stories260K.gguf");
        var tokens = args.Length > 1 ? int.Parse(args[1]) : 128;
        var id = Path.GetFileNameWithoutExtension(path);
        var home = Directory.CreateTempSubdirectory("hearth-bench-").FullName;
        var options = new ServerOptions { Port = 0, Home = home, ModelFiles = [path], MaxConcurrentRequests = 8, Parallel = 8 };
        using var manager = HearthApp.DefaultManager(options);
        await using var models = HearthApp.DefaultModels(options, manager);
        await using var app = HearthApp.BuildApp(options, models, manager);
        await app.StartAsync();
        var baseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(10) };
        var engine = await models.GetChatClientAsync(id);
        Console.WriteLine($"model {id}, {tokens} tokens per generation, {Environment.ProcessorCount} cores");

        // 1. Tokens/s through HTTP against the engine called directly (same prompt, greedy, fixed length).
        var prompt = "Once upon a time";
        await Direct(engine, prompt, 8); // warm up
        // Interleaved rounds (load from elsewhere hits both alike), one after the other: run together, they would share decode batches.
        var directRuns = new List<double>();
        var httpRuns = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            directRuns.Add(await Direct(engine, prompt, tokens));
            httpRuns.Add((await Stream(http, id, prompt, tokens, null)).TokensPerSecond);
        }
        var direct = directRuns.Order().ElementAt(2);
        var overHttp = httpRuns.Order().ElementAt(2);
        Console.WriteLine($"engine in process: {direct:F1} tok/s; streamed over HTTP: {overHttp:F1} tok/s; ratio {overHttp / direct:F3} (target >= 0.98)");

        // 2. Time to first token of a second turn in the same conversation against the first (prefix reuse).
        var longPrompt = string.Join(" ", Enumerable.Repeat("The little dog ran to the park and played with a red ball.", 20));
        var first = await Stream(http, id, longPrompt, 16, null);
        var second = await Stream(http, id, "What happened next?", 16, first.ConversationId);
        Console.WriteLine($"TTFT turn 1: {first.TimeToFirstToken.TotalMilliseconds:F1} ms; turn 2: {second.TimeToFirstToken.TotalMilliseconds:F1} ms; " +
                          $"ratio {second.TimeToFirstToken / first.TimeToFirstToken:F3} (target <= 0.20)");

        // 3. Aggregate tokens/s of 1, 4 and 8 concurrent streams.
        double? single = null;
        foreach (var n in new[] { 1, 4, 8 })
        {
            var clock = Stopwatch.StartNew();
            var runs = await Task.WhenAll(Enumerable.Range(0, n).Select(i => Stream(http, id, prompt + $" {i}", tokens, null)));
            var aggregate = runs.Sum(r => r.Tokens) / clock.Elapsed.TotalSeconds;
            single ??= aggregate;
            Console.WriteLine($"{n} concurrent streams: {aggregate:F1} tok/s aggregate ({aggregate / single:F2}x one stream)");
        }
        await app.StopAsync();
        return 0;
    }

    static async Task<double> Direct(IChatClient engine, string prompt, int tokens)
    {
        var clock = Stopwatch.StartNew();
        long produced = 0;
        await foreach (var u in engine.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, prompt)],
            new ChatOptions { Temperature = 0, MaxOutputTokens = tokens }))
            foreach (var c in u.Contents) if (c is UsageContent usage) produced = usage.Details.OutputTokenCount ?? 0;
        return produced / clock.Elapsed.TotalSeconds;
    }

    sealed record Run(int Tokens, TimeSpan TimeToFirstToken, TimeSpan Total, string ConversationId)
    {
        public double TokensPerSecond => Tokens / Total.TotalSeconds;
    }

    static async Task<Run> Stream(HttpClient http, string model, string prompt, int tokens, string? conversation)
    {
        var body = JsonSerializer.Serialize(new
        {
            model, stream = true, temperature = 0, max_tokens = tokens, stream_options = new { include_usage = true },
            messages = new[] { new { role = "user", content = prompt } },
        });
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (conversation is not null) request.Headers.Add("x-conversation-id", conversation);
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        TimeSpan? ttft = null;
        var produced = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ") || line == "data: [DONE]") continue;
            using var chunk = JsonDocument.Parse(line[6..]);
            var root = chunk.RootElement;
            if (ttft is null && root.GetProperty("choices").GetArrayLength() > 0 &&
                root.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var c) && c.GetString()!.Length > 0)
                ttft = clock.Elapsed;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                produced = usage.GetProperty("completion_tokens").GetInt32();
        }
        return new Run(produced, ttft ?? clock.Elapsed, clock.Elapsed, response.Headers.GetValues("x-conversation-id").Single());
    }

    static string FindModel(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "models", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{name} not found in shared/models; pass a model path.");
    }
}
