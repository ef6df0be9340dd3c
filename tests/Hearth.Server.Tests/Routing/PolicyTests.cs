using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Routing;

/// <summary>Privacy, offline-only and the circuit breaker, shown from the upstream's own request log.</summary>
public sealed class PolicyTests
{
    [Fact]
    public async Task Private_requests_never_reach_a_non_local_upstream()
    {
        await using var servers = TwoServers.Start();
        // Without privacy the upstream goes first (priority -1, prefer_local off)...
        using var open = await servers.ChatAsync("fake");
        Assert.Equal("up", TwoServers.ProviderOf(open));
        Assert.Equal(1, await servers.UpstreamChatRequestsAsync());

        // ...a private request (header or body) stays here...
        using var privateHeader = await servers.ChatAsync("fake", route: "private");
        Assert.Equal("local answers here", await TwoServers.TextOf(privateHeader));
        Assert.Equal("local", TwoServers.ProviderOf(privateHeader));
        using var privateBody = await servers.ChatAsync("fake", extra: ""","routing":{"private":true}""");
        Assert.Equal("local", TwoServers.ProviderOf(privateBody));

        // ...and a private request for the upstream's model fails clearly instead of leaving.
        using var refused = await servers.ChatAsync("up/fake", route: "private");
        var error = await Json.Error(refused, 400, "private_requires_local", "model");
        Assert.Contains("private", error.GetProperty("message").GetString());
        using var refusedStream = await servers.ChatAsync("up/fake", stream: true, route: "private");
        await Json.Error(refusedStream, 400, "private_requires_local");

        Assert.Equal(1, await servers.UpstreamChatRequestsAsync()); // only the first, open request ever reached it
    }

    [Fact]
    public async Task Offline_only_sends_nothing_off_the_device()
    {
        await using var servers = TwoServers.Start(r => r.OfflineOnly = true);
        using var local = await servers.ChatAsync("fake");
        Assert.Equal("local", TwoServers.ProviderOf(local));
        using var refused = await servers.ChatAsync("up/fake");
        await Json.Error(refused, 400, "offline_only");
        using var overridden = await servers.ChatAsync("up/fake", route: "offline=false"); // a request cannot lift the server's rule
        await Json.Error(overridden, 400, "offline_only");

        var listed = await servers.MainModelAsync("up/fake"); // listed from the configuration, not by asking
        Assert.False(listed.GetProperty("local").GetBoolean());
        Assert.Equal("offline", listed.GetProperty("health").GetString());
        Assert.Equal(0, await servers.UpstreamRequestsAsync());
        Assert.Equal(0, servers.Proxy.Connections);
    }

    [Fact]
    public async Task The_circuit_opens_on_failures_skips_the_upstream_and_closes_when_it_recovers()
    {
        await using var servers = TwoServers.Start(r => { r.BreakSeconds = 1; r.MinimumThroughput = 2; r.FailureRatio = 0.5; });
        servers.Proxy.Refuse = true;
        for (var i = 0; i < 2; i++)
        {
            using var r = await servers.ChatAsync("up/fake");
            Assert.Equal("local", TwoServers.ProviderOf(r));
        }
        var attempts = servers.Proxy.Connections;
        Assert.True(attempts >= 2);

        // Open: the upstream is not even tried.
        using (var skipped = await servers.ChatAsync("up/fake"))
            Assert.Equal("local", TwoServers.ProviderOf(skipped));
        Assert.Equal(attempts, servers.Proxy.Connections);
        var metrics = await servers.Main.Http.GetStringAsync("/metrics");
        Assert.Contains("hearth_provider_requests_total{provider=\"up\",outcome=\"skipped\"} 1", metrics);
        Assert.Contains("hearth_provider_circuit_transitions_total{provider=\"up\",state=\"open\"} 1", metrics);
        Assert.Equal("unhealthy", (await servers.MainModelAsync("up/fake")).GetProperty("health").GetString());

        // The upstream recovers; after the break one trial request goes through and closes the circuit.
        servers.Proxy.Refuse = false;
        await Task.Delay(1200);
        using (var trial = await servers.ChatAsync("up/fake"))
        {
            Assert.Equal("upstream answers here", await TwoServers.TextOf(trial));
            Assert.Equal("up", TwoServers.ProviderOf(trial));
        }
        using (var after = await servers.ChatAsync("up/fake"))
            Assert.Equal("up", TwoServers.ProviderOf(after));
        metrics = await servers.Main.Http.GetStringAsync("/metrics");
        Assert.Contains("hearth_provider_circuit_transitions_total{provider=\"up\",state=\"closed\"} 1", metrics);
        Assert.Equal("healthy", (await servers.MainModelAsync("up/fake")).GetProperty("health").GetString());
    }

    [Fact]
    public async Task Models_list_every_provider_with_locality_health_and_price()
    {
        await using var servers = TwoServers.Start();
        var local = await servers.MainModelAsync("fake");
        Assert.Equal("local", local.GetProperty("provider").GetString());
        Assert.True(local.GetProperty("local").GetBoolean());
        Assert.Equal(0, local.GetProperty("pricing").GetProperty("input_per_million").GetDouble());
        var up = await servers.MainModelAsync("up/fake");
        Assert.Equal("up", up.GetProperty("provider").GetString());
        Assert.False(up.GetProperty("local").GetBoolean());
        Assert.Equal("healthy", up.GetProperty("health").GetString());
        Assert.Equal(2, up.GetProperty("pricing").GetProperty("output_per_million").GetDouble());
    }

    [Fact]
    public async Task Cost_policy_picks_the_cheapest_provider()
    {
        await using var servers = TwoServers.Start(r => r.Policy = "cost");
        using var r = await servers.ChatAsync("fake"); // local is free; the upstream costs
        Assert.Equal("local", TwoServers.ProviderOf(r));
        using var priority = await servers.ChatAsync("fake", route: "policy=priority");
        Assert.Equal("up", TwoServers.ProviderOf(priority));
    }
}
