using Hearth.Client;
using Hearth.Core.OpenAI;
using Hearth.Core.Providers;
using Hearth.Core.Registry;
using Hearth.Core.Routing;
using Hearth.Tests.Fakes;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Routing;

/// <summary>The router between this machine's model ("fake") and a scripted upstream ("up", not local, tried first).</summary>
public sealed class RouterTests : IAsyncDisposable
{
    readonly ScriptedUpstream _upstream = new();
    readonly FakeChatModel _local = new("fake", 256) { Reply = _ => "local reply" };
    readonly ModelRegistry _registry;
    readonly ProviderRouter _router;

    public RouterTests()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("hearth-router-").FullName, "fake.gguf");
        File.WriteAllBytes(file, new byte[10]);
        _registry = new ModelRegistry((_, _, _, _) => Task.FromResult<IChatClient>(_local)).AddFile(file);
        _router = new ProviderRouter(_registry, new ProvidersFile
        {
            Providers = [new ProviderConfig { Name = "up", BaseUrl = _upstream.BaseAddress.AbsoluteUri, Local = false, Priority = -1, Models = ["m", "fake"] }],
            Routing = new RoutingConfig { PreferLocal = false },
        });
    }

    async Task<(string Text, RouteDecision Decision)> ChatAsync(string model, ChatOptions? options = null)
    {
        using var client = await _router.GetChatClientAsync(model);
        var decision = client.GetService<RouteDecision>()!;
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], options);
        return (response.Text, decision);
    }

    [Theory]
    [InlineData(429, "rate_limited")]
    [InlineData(500, "internal_error")]
    [InlineData(503, "service_unavailable")]
    public async Task Upstream_refusals_that_are_not_the_requests_fault_fall_back(int status, string code)
    {
        _upstream.Then(ScriptedUpstream.Status(status, code));
        var (text, decision) = await ChatAsync("up/fake");
        Assert.Equal("local reply", text);
        Assert.Equal("local", decision.Provider);
        Assert.Equal($"up: HTTP {status} {code}", Assert.Single(decision.PassedOver));
    }

    [Fact]
    public async Task The_decision_is_traced()
    {
        var spans = new List<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == "Hearth",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) spans.Add(a); },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        _upstream.Then(ScriptedUpstream.Status(503, "busy"));
        await ChatAsync("up/fake");

        System.Diagnostics.Activity span;
        lock (spans) span = spans.Single(a => a.DisplayName == "route up/fake" && (string?)a.GetTagItem("hearth.route.candidates") == "up/fake,local/fake");
        Assert.Equal("local", span.GetTagItem("hearth.provider"));
        var passed = Assert.Single(span.Events, e => e.Name == "passed_over");
        Assert.Contains(passed.Tags, t => t.Key == "reason" && (string?)t.Value == "HTTP 503 busy");
    }

    [Fact]
    public async Task Logprobs_requests_go_only_to_this_machines_engine_or_fail_naming_logprobs()
    {
        var logprobs = new ChatOptions { AdditionalProperties = new() { ["logprobs"] = true } };
        var (text, decision) = await ChatAsync("up/fake", logprobs);   // up is first in line, but cannot return logprobs
        Assert.Equal(("local reply", "local"), (text, decision.Provider));

        var e = await Assert.ThrowsAsync<ApiException>(() => ChatAsync("up/m", logprobs)); // only up serves m
        Assert.Equal((400, "logprobs"), (e.Status, e.Param));
        Assert.Contains("'up'", e.Message);
    }

    [Fact]
    public async Task A_bad_request_is_not_retried_elsewhere()
    {
        _upstream.Then(ScriptedUpstream.Status(400, "invalid_value"));
        var e = await Assert.ThrowsAsync<ApiException>(() => ChatAsync("up/fake"));
        Assert.Equal((400, "invalid_value"), (e.Status, e.Code));
        Assert.Empty(_local.Calls);
    }

    [Fact]
    public async Task Failures_after_the_first_token_end_the_reply_with_an_error()
    {
        _upstream.Then(ScriptedUpstream.Stream("one two three", cutAfter: 2));
        var e = await Assert.ThrowsAsync<ApiException>(() => ChatAsync("up/m"));
        Assert.Equal("provider_interrupted", e.Code);
        _upstream.Then(ScriptedUpstream.Stream("one two three", errorAfter: "overloaded"));
        e = await Assert.ThrowsAsync<ApiException>(() => ChatAsync("up/m"));
        Assert.Equal("provider_interrupted", e.Code);
        Assert.Empty(_local.Calls);
    }

    [Fact]
    public async Task All_providers_failing_is_a_503_naming_each()
    {
        _upstream.Then(ScriptedUpstream.Status(502, "bad_gateway"));
        _local.Reply = _ => throw new InvalidOperationException("engine down");
        var e = await Assert.ThrowsAsync<ApiException>(() => ChatAsync("up/fake"));
        Assert.Equal((503, "all_providers_failed"), (e.Status, e.Code));
        Assert.Contains("up: HTTP 502", e.Message);
        Assert.Contains("local: InvalidOperationException", e.Message);
    }

    [Fact]
    public async Task Options_and_tools_reach_the_upstream_and_tool_calls_come_back()
    {
        _upstream.Then(ScriptedUpstream.Stream("calling", rawEvents:
        [
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":"}}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]}}]}""",
        ]));
        var tool = AIFunctionFactory.CreateDeclaration("get_weather", "Weather now", System.Text.Json.JsonDocument.Parse("""{"type":"object","properties":{"city":{"type":"string"}}}""").RootElement);
        using var client = await _router.GetChatClientAsync("up/m");
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "weather?")],
            new ChatOptions { Temperature = 0.5f, MaxOutputTokens = 7, StopSequences = ["END"], Tools = [tool] });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("call_1", "get_weather", "Oslo"), (call.CallId, call.Name, call.Arguments!["city"]?.ToString()));
        Assert.Equal(5, response.Usage?.TotalTokenCount);
        var body = System.Text.Json.JsonDocument.Parse(Assert.Single(_upstream.Bodies)).RootElement;
        Assert.Equal("m", body.GetProperty("model").GetString());
        Assert.Equal(7, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal("END", body.GetProperty("stop")[0].GetString());
        Assert.Equal("get_weather", body.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Bare_names_go_wherever_they_are_served_and_unknown_ones_are_404()
    {
        var (text, decision) = await ChatAsync("m"); // only the upstream serves "m"
        Assert.Equal("default reply", text);
        Assert.Equal(("up", "m"), (decision.Provider, decision.Model));
        await Assert.ThrowsAnyAsync<Exception>(() => ChatAsync("no-such-model"));
        var listed = await _router.ListAsync();
        Assert.Contains(listed, m => m.Id == "up/m" && m.Provider == "up" && !m.Local);
        Assert.Contains(listed, m => m.Id == "fake" && m.Provider == "local" && m.Local);
    }

    [Fact]
    public async Task Explicit_fallbacks_and_private_refusals()
    {
        _upstream.Then(ScriptedUpstream.Status(500, "x"));
        var options = new ChatOptions { AdditionalProperties = new() { [RouteOptions.BodyKey] = new RouteOptions { Fallbacks = ["local/fake"] } } };
        var (text, _) = await ChatAsync("up/m", options);
        Assert.Equal("local reply", text);

        var secret = new ChatOptions { AdditionalProperties = new() { [RouteOptions.HeaderKey] = "private" } };
        var e = await Assert.ThrowsAsync<ApiException>(() => ChatAsync("m", secret));
        Assert.Equal((400, "private_requires_local"), (e.Status, e.Code));
        Assert.Single(_upstream.Bodies); // only the first request ever left
    }

    [Fact]
    public async Task A_private_request_asks_nothing_of_remote_providers_not_even_their_models()
    {
        using var router = new ProviderRouter(_registry, new ProvidersFile
        {
            Providers = [new ProviderConfig { Name = "up", BaseUrl = _upstream.BaseAddress.AbsoluteUri, Local = false }], // models: asked from /models
        });
        using var client = await router.GetChatClientAsync("m");
        var secret = new ChatOptions { AdditionalProperties = new() { [RouteOptions.HeaderKey] = "private" } };
        var e = await Assert.ThrowsAsync<ApiException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "my secret")], secret));
        Assert.Equal("private_requires_local", e.Code);
        Assert.Equal(0, _upstream.ModelRequests);
        Assert.Empty(_upstream.Bodies);

        // The same request without privacy finds "m" upstream by asking.
        var open = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
        Assert.Equal("default reply", open.Text);
        Assert.Equal(1, _upstream.ModelRequests);
    }

    [Fact]
    public async Task Health_checks_probe_remote_providers_in_the_background()
    {
        using var router = new ProviderRouter(_registry, new ProvidersFile
        {
            Providers = [new ProviderConfig { Name = "up", BaseUrl = _upstream.BaseAddress.AbsoluteUri, Local = false }],
            Routing = new RoutingConfig { HealthCheckSeconds = 0.1 },
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (_upstream.ModelRequests < 2) { Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10)); await Task.Delay(20); }

        Assert.Equal("healthy", Assert.Single(await router.ListAsync(), m => m.Provider == "up").Health);
        _upstream.ModelsDown = true;
        var before = _upstream.ModelRequests;
        while (_upstream.ModelRequests < before + 2) { Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10)); await Task.Delay(20); }
        Assert.Equal("unhealthy", Assert.Single(await router.ListAsync(), m => m.Provider == "up").Health);

        router.Configure(new ProvidersFile
        {
            Providers = [new ProviderConfig { Name = "up", BaseUrl = _upstream.BaseAddress.AbsoluteUri, Local = false, Models = ["m"] }],
            Routing = new RoutingConfig { OfflineOnly = true, HealthCheckSeconds = 0.1 },
        });
        var listed = Assert.Single(await router.ListAsync(), m => m.Provider == "up");
        Assert.Equal("offline", listed.Health);
        await Task.Delay(300); // let a probe already in flight land
        var seen = _upstream.ModelRequests;
        await Task.Delay(400);
        Assert.Equal(seen, _upstream.ModelRequests); // offline-only: no more probes
    }

    public async ValueTask DisposeAsync()
    {
        _router.Dispose();
        await _registry.DisposeAsync();
        await _upstream.DisposeAsync();
    }
}
