using System.Text.Json;
using Hearth.Core.OpenAI;
using Hearth.Core.Providers;
using Hearth.Core.Routing;

namespace Hearth.Tests.Routing;

public sealed class RouteOptionsTests
{
    [Fact]
    public void Header_flags_and_values()
    {
        var o = RouteOptions.ParseHeader("private, offline=false; policy=cost, max-ttft=1.5s, fallback=local/a|up/b, no-cloud-fallback");
        Assert.Equal((true, false, "cost", TimeSpan.FromSeconds(1.5), false), (o.Private, o.OfflineOnly, o.Policy, o.MaxTimeToFirstToken, o.CloudFallback));
        Assert.Equal(["local/a", "up/b"], o.Fallbacks);
        Assert.Equal(TimeSpan.FromMilliseconds(250), RouteOptions.ParseHeader("max-ttft=250ms").MaxTimeToFirstToken);
        Assert.Equal(TimeSpan.FromMilliseconds(250), RouteOptions.ParseHeader("max-ttft=250").MaxTimeToFirstToken);
    }

    [Theory]
    [InlineData("teleport")]
    [InlineData("policy=random")]
    [InlineData("max-ttft=soon")]
    [InlineData("max-ttft=-5ms")]
    [InlineData("private=maybe")]
    public void Bad_headers_are_400s(string header)
    {
        var e = Assert.Throws<ApiException>(() => RouteOptions.ParseHeader(header));
        Assert.Equal((400, "x-hearth-route"), (e.Status, e.Param));
    }

    [Fact]
    public void Body_object_and_its_errors()
    {
        var o = RouteOptions.ParseBody(JsonDocument.Parse("""{"private":true,"max_ttft_ms":300,"fallback":["x"],"prefer_local":null}""").RootElement);
        Assert.Equal((true, TimeSpan.FromMilliseconds(300), null), (o.Private, o.MaxTimeToFirstToken, o.PreferLocal));
        Assert.Equal("routing.nope", Assert.Throws<ApiException>(() => RouteOptions.ParseBody(JsonDocument.Parse("""{"nope":1}""").RootElement)).Param);
        Assert.Equal("routing.private", Assert.Throws<ApiException>(() => RouteOptions.ParseBody(JsonDocument.Parse("""{"private":"yes"}""").RootElement)).Param);
    }

    [Fact]
    public void Requests_narrow_the_server_policy_but_cannot_lift_offline_only()
    {
        var config = new RoutingConfig { OfflineOnly = true, CloudFallback = true, Policy = "priority" };
        var route = new RouteOptions { OfflineOnly = false, CloudFallback = false }.Apply(config);
        Assert.True(route.OfflineOnly);
        Assert.True(route.LocalOnly);
        Assert.False(route.CloudFallback);
        Assert.True(new RouteOptions { Private = true }.Apply(new RoutingConfig()).LocalOnly);
    }

    [Fact]
    public void Provider_files_are_validated_and_keys_never_shown()
    {
        var home = Directory.CreateTempSubdirectory("hearth-providers-").FullName;
        var store = new ProviderStore(home);
        Assert.Empty(store.Load().Providers);
        var file = new ProvidersFile { Providers = [new ProviderConfig { Name = "cloud", BaseUrl = "https://api.example.com/v1", ApiKey = "sk-secret" }] };
        store.Save(file);
        Assert.Equal("sk-secret", store.Load().Providers[0].ResolveApiKey());
        Assert.False(store.Load().Providers[0].IsLocal);
        Assert.True(new ProviderConfig { Name = "ollama", BaseUrl = "http://127.0.0.1:11434/v1" }.IsLocal);
        Assert.DoesNotContain("sk-secret", JsonSerializer.Serialize(file.Providers[0].Redacted()));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));

        Assert.Throws<ArgumentException>(() => store.Save(new ProvidersFile { Providers = [new ProviderConfig { Name = "local", BaseUrl = "http://x/v1" }] }));
        Assert.Throws<ArgumentException>(() => store.Save(new ProvidersFile { Providers = [new ProviderConfig { Name = "Bad Name", BaseUrl = "http://x/v1" }] }));
        Assert.Throws<ArgumentException>(() => store.Save(new ProvidersFile { Providers = [new ProviderConfig { Name = "a", BaseUrl = "ftp://x" }] }));
        File.WriteAllText(store.Path, """{"providers":[{"name":"a","base_url":"http://x/v1","surprise":1}]}""");
        Assert.Throws<InvalidDataException>(store.Load);
    }
}
