using Hearth.Core.Providers;
using Hearth.Tests.Infrastructure;
using Hearth.Tests.Routing;

namespace Hearth.Tests.EndToEnd;

/// <summary>A real `hearth serve` process running the real engine as the upstream, SIGKILLed between requests.</summary>
public sealed class UpstreamProcessTests : IDisposable
{
    readonly string _home = Directory.CreateTempSubdirectory("hearth-upstream-").FullName;

    [Fact]
    public async Task A_killed_upstream_process_is_replaced_by_the_fallback()
    {
        await using var upstream = await HearthProcess.StartAsync(_home, "--model-file", TestModels.Path("stories260K.gguf"));
        await using var main = TestServer.Start(o => new ProviderStore(o.Home).Save(new ProvidersFile
        {
            Providers = [new ProviderConfig { Name = "up", BaseUrl = new Uri(upstream.BaseAddress, "v1").AbsoluteUri, Local = false, Models = ["stories260K"] }],
        }));
        main.Model.Reply = _ => "local answers here";
        const string body = """{"model":"up/stories260K","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":8,"stream":true,"routing":{"fallback":["local/fake"]}}""";

        using (var first = await main.Http.PostAsync("/v1/chat/completions", Json.Body(body)))
        {
            Assert.Equal("up", TwoServers.ProviderOf(first));
            var text = SseReader.Text(SseReader.Chunks(await first.Content.ReadAsStringAsync()));
            Assert.False(string.IsNullOrWhiteSpace(text));
            Assert.DoesNotContain("local answers", text);
        }

        upstream.Kill();
        using var second = await main.Http.PostAsync("/v1/chat/completions", Json.Body(body));
        Assert.Equal("local", TwoServers.ProviderOf(second));
        Assert.Equal("local answers here", SseReader.Text(SseReader.Chunks(await second.Content.ReadAsStringAsync())));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_home, true); } catch (IOException) { }
    }
}
