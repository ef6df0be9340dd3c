using System.Text.Json;
using Hearth.Core.Models;
using Hearth.Core.Tests.Models;
using Hearth.Server;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.EndToEnd;

/// <summary>
/// A model named by its Hub address is fetched from a local stand-in for the Hub (redirect, Range, X-Linked-Etag),
/// verified, cached, loaded by the engine and answers: the whole path a first `hearth serve` request takes.
/// </summary>
public sealed class HubToChatTests : IAsyncLifetime
{
    const string Repo = "test-org/stories-GGUF";
    FakeHub _hub = null!;
    ModelManager? _manager;

    public async Task InitializeAsync()
    {
        _hub = await FakeHub.StartAsync();
        _hub.AddFileFrom(Repo, "stories260K-Q8_0.gguf", TestModels.Path("stories260K.gguf"));
        _hub.AddFileFrom(Repo, "stories260K-F32.gguf", TestModels.Path("stories260K.gguf"));
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _manager?.Dispose();
    }

    TestServer Start() => TestServer.Start(models: o =>
        HearthApp.DefaultModels(o, _manager = new ModelManager(new ModelOptions { Home = o.Home, HubEndpoint = _hub.Endpoint })));

    [Fact]
    public async Task Load_streams_download_then_load_progress_and_the_model_is_cached_and_loaded()
    {
        await using var server = Start();
        var name = $"{Repo}/stories260K-F32.gguf";
        using var load = await server.Http.PostAsync("/v1/models/load", Json.Body($$"""{"model":"{{name}}"}"""));
        Assert.Equal("text/event-stream", load.Content.Headers.ContentType!.MediaType);
        var events = SseReader.Events(await load.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var phases = events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement.GetProperty("phase").GetString()).ToList();
        Assert.Contains("downloading", phases);
        Assert.Contains("loading", phases);
        Assert.True(phases.IndexOf("downloading") < phases.IndexOf("loading"), string.Join(",", phases));
        var done = JsonDocument.Parse(events[^2]).RootElement;
        Assert.Equal(("model.load.done", "ready"), (done.GetProperty("object").GetString(), done.GetProperty("phase").GetString()));

        var listed = (await Json.Read(await server.Http.GetAsync("/v1/models"))).GetProperty("data").EnumerateArray()
            .Single(m => m.GetProperty("id").GetString() == name);
        Assert.True(listed.GetProperty("cached").GetBoolean());
        Assert.True(listed.GetProperty("loaded").GetBoolean());
        Assert.Equal(2048, listed.GetProperty("context_window").GetInt32()); // stories260K trains on 2048: min(trained, 4096)

        var storage = await Json.Read(await server.Http.GetAsync("/v1/storage"));
        Assert.Contains("stories260K-F32.gguf", storage.GetRawText());
    }

    [Fact]
    public async Task A_chat_naming_a_hub_quant_downloads_loads_and_answers_then_the_next_one_reuses_the_cache()
    {
        await using var server = Start();
        var body = Json.Body($$"""{"model":"hf.co/{{Repo}}:Q8_0","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":8,"temperature":0}""");
        var reply = await Json.Read(await server.Http.PostAsync("/v1/chat/completions", body));
        Assert.False(string.IsNullOrWhiteSpace(reply.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()));
        Assert.Equal(1, _hub.FullGets("stories260K-Q8_0.gguf"));

        body = Json.Body($$"""{"model":"hf.co/{{Repo}}:Q8_0","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":8,"temperature":0}""");
        var again = await Json.Read(await server.Http.PostAsync("/v1/chat/completions", body));
        Assert.Equal(reply.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            again.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(1, _hub.FullGets("stories260K-Q8_0.gguf"));
    }

    [Fact]
    public async Task A_model_the_hub_does_not_have_is_a_404_naming_it()
    {
        await using var server = Start();
        var response = await server.Http.PostAsync("/v1/chat/completions",
            Json.Body($$"""{"model":"{{Repo}}/missing-Q4_K_M.gguf","messages":[{"role":"user","content":"hi"}]}"""));
        var error = await Json.Read(response);
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("model_not_found", error.GetProperty("error").GetProperty("code").GetString());
    }
}
