using System.Diagnostics;
using System.Text.Json;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Routing;

/// <summary>Faults on the way to an upstream Hearth: before the first token the next provider answers; after it, never.</summary>
public sealed class FallbackTests
{
    [Fact]
    public async Task Healthy_upstream_answers_and_the_decision_is_visible_in_header_store_and_metrics()
    {
        await using var servers = TwoServers.Start();
        using var r = await servers.ChatAsync("up/fake");
        Assert.Equal("upstream answers here", await TwoServers.TextOf(r));
        Assert.Equal("up", TwoServers.ProviderOf(r));
        Assert.Equal(1, await servers.UpstreamChatRequestsAsync());

        var conversation = r.Headers.GetValues("x-conversation-id").Single();
        var saved = (await Json.Read(await servers.Main.Http.GetAsync($"/v1/conversations/{conversation}/messages"))).GetProperty("data")[1];
        Assert.Equal("up", saved.GetProperty("provider").GetString());
        Assert.Equal("fake", saved.GetProperty("model").GetString());
        Assert.Contains("hearth_provider_requests_total{provider=\"up\",outcome=\"answered\"} 1", await servers.Main.Http.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task Upstream_gone_before_the_request_falls_back_to_the_local_model()
    {
        await using var servers = TwoServers.Start();
        await servers.Upstream.DisposeAsync(); // stopped: connections are refused
        using var r = await servers.ChatAsync("up/fake");
        Assert.Equal("local answers here", await TwoServers.TextOf(r));
        Assert.Equal("local", TwoServers.ProviderOf(r));

        var conversation = r.Headers.GetValues("x-conversation-id").Single();
        var saved = (await Json.Read(await servers.Main.Http.GetAsync($"/v1/conversations/{conversation}/messages"))).GetProperty("data")[1];
        Assert.Equal("local", saved.GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Upstream_killed_before_its_first_token_falls_back_streaming()
    {
        await using var servers = TwoServers.Start();
        servers.Upstream.Model.Gate = new SemaphoreSlim(0); // the upstream accepts the request and never produces a token
        var pending = servers.ChatAsync("up/fake", stream: true);
        await WaitUntil(() => servers.Upstream.Model.Calls.Count == 1);
        servers.Proxy.CutAll();                            // ...and dies

        using var r = await pending;
        var chunks = SseReader.Chunks(await r.Content.ReadAsStringAsync());
        Assert.Equal("local answers here", SseReader.Text(chunks));
        Assert.Equal("local", TwoServers.ProviderOf(r));
    }

    [Fact]
    public async Task Upstream_killed_mid_stream_ends_with_an_error_event_and_no_splice()
    {
        await using var servers = TwoServers.Start();
        servers.Upstream.Model.Gate = new SemaphoreSlim(1); // one token, then the upstream stalls
        using var r = await servers.ChatAsync("up/fake", stream: true);
        Assert.Equal("up", TwoServers.ProviderOf(r));
        var reader = new StreamReader(await r.Content.ReadAsStreamAsync());
        var seen = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            seen.Add(line);
            if (line.Contains("\"content\":\"upstream\"")) break;
        }
        servers.Proxy.CutAll(); // the upstream dies mid-reply
        var rest = await reader.ReadToEndAsync();

        var events = SseReader.Events(string.Join("\n", seen) + "\n" + rest);
        Assert.NotEqual("[DONE]", events[^1]);
        var error = JsonDocument.Parse(events[^1]).RootElement.GetProperty("error");
        Assert.Equal("provider_interrupted", error.GetProperty("code").GetString());
        var text = SseReader.Text(events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement));
        Assert.Equal("upstream", text);                 // what the upstream said, and nothing else
        Assert.Empty(servers.Main.Model.Calls);          // the local model was never asked to continue

        // The partial reply is stored as the upstream's, marked interrupted.
        var conversation = r.Headers.GetValues("x-conversation-id").Single();
        var saved = (await Json.Read(await servers.Main.Http.GetAsync($"/v1/conversations/{conversation}/messages"))).GetProperty("data")[1];
        Assert.Equal("up", saved.GetProperty("provider").GetString());
        Assert.True(saved.GetProperty("interrupted").GetBoolean());
    }

    [Fact]
    public async Task A_time_to_first_token_budget_moves_an_unstarted_request_on()
    {
        await using var servers = TwoServers.Start();
        servers.Upstream.Model.Gate = new SemaphoreSlim(0);
        var clock = Stopwatch.StartNew();
        using var r = await servers.ChatAsync("up/fake", route: "max-ttft=300ms");
        Assert.Equal("local answers here", await TwoServers.TextOf(r));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10));
        await WaitUntil(() => servers.Upstream.Model.Cancellations == 1); // the upstream was told to stop
    }

    [Fact]
    public async Task Cloud_fallback_off_keeps_a_failed_local_request_off_the_upstream()
    {
        await using var servers = TwoServers.Start(r => r.CloudFallback = false);
        servers.Main.Model.Reply = _ => throw new InvalidOperationException("the local engine crashed");
        using var failed = await servers.ChatAsync("fake", route: "prefer-local");
        await Json.Error(failed, 500);
        Assert.Equal(0, await servers.UpstreamChatRequestsAsync());

        // The same failure with cloud fallback allowed for this request is answered upstream.
        using var rescued = await servers.ChatAsync("fake", route: "prefer-local, cloud-fallback");
        Assert.Equal("upstream answers here", await TwoServers.TextOf(rescued));
        Assert.Equal("up", TwoServers.ProviderOf(rescued));
    }

    [Fact]
    public async Task Errors_the_request_caused_are_not_retried_elsewhere()
    {
        await using var servers = TwoServers.Start();
        // An unknown body field is the client's mistake: it is a 400 from this server, and the upstream is never asked.
        using var r = await servers.ChatAsync("up/fake", extra: ""","bogus":1""");
        await Json.Error(r, 400, "unsupported_parameter");
        using var badRoute = await servers.ChatAsync("up/fake", route: "warp-speed");
        await Json.Error(badRoute, 400, "invalid_value", "x-hearth-route");
        Assert.Equal(0, await servers.UpstreamChatRequestsAsync());
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "timed out waiting");
            await Task.Delay(10);
        }
    }
}
