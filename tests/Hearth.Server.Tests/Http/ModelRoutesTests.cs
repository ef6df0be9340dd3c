using System.Net;
using System.Text.Json;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Http;

public class ModelRoutesTests
{
    [Fact]
    public async Task Lists_loads_with_sse_progress_and_unloads()
    {
        await using var server = TestServer.Start();
        var model = (await Json.Read(await server.Http.GetAsync("/v1/models"))).GetProperty("data")[0];
        Assert.Equal(("fake", false, true, 100), (model.GetProperty("id").GetString(), model.GetProperty("loaded").GetBoolean(),
            model.GetProperty("cached").GetBoolean(), model.GetProperty("size").GetInt32()));

        using var load = await server.Http.PostAsync("/v1/models/load", Json.Body("""{"model":"fake"}"""));
        Assert.Equal("text/event-stream", load.Content.Headers.ContentType!.MediaType);
        var events = SseReader.Events(await load.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var progress = events.SkipLast(2).Select(e => JsonDocument.Parse(e).RootElement).ToList();
        // The registry announces the load (0), then the loader's own reports follow.
        Assert.Equal([0, 0.5, 1.0], progress.Select(p => p.GetProperty("progress").GetDouble()));
        Assert.Equal(["loading", "read", "read"], progress.Select(p => p.GetProperty("phase").GetString()));
        Assert.All(progress, p =>
        {
            Assert.Equal("model.load.progress", p.GetProperty("object").GetString());
            foreach (var field in new[] { "phase", "bytes", "total", "text", "elapsed", "eta" }) Assert.True(p.TryGetProperty(field, out _), field);
        });
        var done = JsonDocument.Parse(events[^2]).RootElement;
        Assert.Equal(("model.load.done", "ready", 256), (done.GetProperty("object").GetString(), done.GetProperty("phase").GetString(), done.GetProperty("context_window").GetInt32()));

        model = (await Json.Read(await server.Http.GetAsync("/v1/models"))).GetProperty("data")[0];
        Assert.Equal((true, 256), (model.GetProperty("loaded").GetBoolean(), model.GetProperty("context_window").GetInt32()));

        var unload = await Json.Read(await server.Http.PostAsync("/v1/models/unload", Json.Body("""{"model":"fake"}""")));
        Assert.True(unload.GetProperty("unloaded").GetBoolean());
        Assert.True(server.Model.Disposed);
    }

    [Fact]
    public async Task Unknown_models_are_404_for_load_and_unload()
    {
        await using var server = TestServer.Start();
        await Json.Error(await server.Http.PostAsync("/v1/models/load", Json.Body("""{"model":"ghost"}""")), 404, "model_not_found");
        await Json.Error(await server.Http.PostAsync("/v1/models/unload", Json.Body("""{"model":"ghost"}""")), 404, "model_not_found");
        await Json.Error(await server.Http.PostAsync("/v1/models/load", Json.Body("""{"modle":"fake"}""")), 400);
    }
}
