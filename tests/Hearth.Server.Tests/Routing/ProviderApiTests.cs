using System.CommandLine;
using Hearth.Core.Providers;
using Hearth.Server.Cli;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Routing;

/// <summary>Providers configured through /v1/providers and /v1/routing (live) and `hearth providers` (the file).</summary>
public sealed class ProviderApiTests
{
    [Fact]
    public async Task Providers_added_over_the_api_serve_the_next_request_and_keys_never_come_back()
    {
        await using var upstream = TestServer.Start();
        upstream.Model.Reply = _ => "upstream answers here";
        await using var main = TestServer.Start();

        var body = $$"""{"name":"up","base_url":"{{upstream.BaseAddress}}v1","local":false,"api_key":"sk-very-secret","models":["fake"],"priority":-1}""";
        using var added = await main.Http.PostAsync("/v1/providers", Json.Body(body));
        var addedText = await added.Content.ReadAsStringAsync();
        Assert.Equal(201, (int)added.StatusCode);
        Assert.DoesNotContain("sk-very-secret", addedText);
        Assert.Contains("\"api_key_set\": true", addedText);
        var listed = await main.Http.GetStringAsync("/v1/providers");
        Assert.Contains("\"up\"", listed);
        Assert.DoesNotContain("sk-very-secret", listed);
        Assert.Equal("sk-very-secret", new ProviderStore(main.Home).Load().Providers.Single().ApiKey); // saved for the next start

        using var chat = await main.Http.PostAsync("/v1/chat/completions", Json.Body("""{"model":"up/fake","messages":[{"role":"user","content":"hi"}]}"""));
        Assert.Equal("up", TwoServers.ProviderOf(chat));
        Assert.Equal("upstream answers here", await TwoServers.TextOf(chat));

        using var offline = await main.Http.PutAsync("/v1/routing", Json.Body("""{"offline_only":true}"""));
        Assert.True(offline.IsSuccessStatusCode, await offline.Content.ReadAsStringAsync());
        using var refused = await main.Http.PostAsync("/v1/chat/completions", Json.Body("""{"model":"up/fake","messages":[{"role":"user","content":"hi"}]}"""));
        await Json.Error(refused, 400, "offline_only");

        using var deleted = await main.Http.DeleteAsync("/v1/providers/up");
        Assert.True(deleted.IsSuccessStatusCode);
        using var gone = await main.Http.PostAsync("/v1/chat/completions", Json.Body("""{"model":"up/fake","messages":[{"role":"user","content":"hi"}]}"""));
        await Json.Error(gone, 404, "model_not_found");
        await Json.Error(await main.Http.DeleteAsync("/v1/providers/up"), 404, "provider_not_found");
    }

    [Theory]
    [InlineData("""{"name":"Not A Name","base_url":"http://127.0.0.1:1/v1"}""", "name")]
    [InlineData("""{"name":"local","base_url":"http://127.0.0.1:1/v1"}""", "name")]
    [InlineData("""{"name":"x","base_url":"file:///etc/passwd"}""", "base_url")]
    [InlineData("""{"name":"x","base_url":"http://127.0.0.1:1/v1","surprise":true}""", null)]
    public async Task Bad_providers_are_400s(string body, string? param)
    {
        await using var main = TestServer.Start();
        using var r = await main.Http.PostAsync("/v1/providers", Json.Body(body));
        await Json.Error(r, 400, param: param);
        Assert.False(File.Exists(new ProviderStore(main.Home).Path));
    }

    [Fact]
    public async Task Routing_policy_is_validated()
    {
        await using var main = TestServer.Start();
        await Json.Error(await main.Http.PutAsync("/v1/routing", Json.Body("""{"policy":"fastest"}""")), 400, param: "policy");
        await Json.Error(await main.Http.PutAsync("/v1/routing", Json.Body("""{"break_seconds":0}""")), 400);
    }

    [Fact]
    public async Task Cli_edits_the_providers_file()
    {
        var home = Directory.CreateTempSubdirectory("hearth-providers-cli-").FullName;
        var root = new RootCommand { ProvidersCommand.Create() };
        Assert.Equal(0, await root.Parse(["providers", "add", "lan", "http://192.168.1.20:11434/v1", "--home", home, "--api-key-env", "LAN_KEY",
            "--served-model", "llama3", "--price-input", "0.5", "--price-output", "1.5"]).InvokeAsync());
        var saved = new ProviderStore(home).Load().Providers.Single();
        Assert.Equal(("lan", false, "LAN_KEY", 1.5), (saved.Name, saved.IsLocal, saved.ApiKeyEnv, saved.Prices["*"].OutputPerMillion));
        Assert.Equal(["llama3"], saved.Models);
        Assert.Equal(2, await root.Parse(["providers", "add", "Bad Name", "http://x/v1", "--home", home]).InvokeAsync());
        Assert.Equal(0, await root.Parse(["providers", "rm", "lan", "--home", home]).InvokeAsync());
        Assert.Empty(new ProviderStore(home).Load().Providers);
        Assert.Equal(2, await root.Parse(["providers", "rm", "lan", "--home", home]).InvokeAsync());
        Directory.Delete(home, true);
    }
}
