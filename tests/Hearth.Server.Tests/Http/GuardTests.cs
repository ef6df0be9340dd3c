using System.Net;
using Hearth.Server;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Http;

/// <summary>DNS-rebinding, CORS and API key guards.</summary>
public class GuardTests
{
    static HttpRequestMessage Get(string path, string? host = null, string? origin = null, string? auth = null)
    {
        var r = new HttpRequestMessage(HttpMethod.Get, path);
        if (host is not null) r.Headers.Host = host;
        if (origin is not null) r.Headers.Add("Origin", origin);
        if (auth is not null) r.Headers.Add("Authorization", auth);
        return r;
    }

    [Fact]
    public async Task Foreign_host_headers_are_refused_unless_configured()
    {
        await using var server = TestServer.Start(o => o.AllowedHosts.Add("hearth.example"));
        await Json.Error(await server.Http.SendAsync(Get("/v1/models", host: "evil.example")), 403, "host_not_allowed");
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(Get("/v1/models", host: "localhost:1234"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(Get("/v1/models", host: "hearth.example"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(Get("/v1/models", host: "[::1]:80"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(Get("/v1/models", host: "192.168.1.20:11435"))).StatusCode);
    }

    [Fact]
    public async Task Cors_allows_only_the_servers_own_and_configured_origins()
    {
        await using var server = TestServer.Start(o => o.CorsOrigins.Add("http://app.example"));
        var own = server.BaseAddress.GetLeftPart(UriPartial.Authority);
        var sameOrigin = await server.Http.SendAsync(Get("/v1/models", origin: own));
        Assert.Equal(HttpStatusCode.OK, sameOrigin.StatusCode);

        var allowed = await server.Http.SendAsync(Get("/v1/models", origin: "http://app.example"));
        Assert.Equal("http://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());

        await Json.Error(await server.Http.SendAsync(Get("/v1/models", origin: "http://evil.example")), 403, "origin_not_allowed");

        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        preflight.Headers.Add("Origin", "http://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var answer = await server.Http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Contains("POST", answer.Headers.GetValues("Access-Control-Allow-Methods").Single());
    }

    [Fact]
    public async Task An_api_key_is_required_when_configured()
    {
        await using var server = TestServer.Start(o => o.ApiKey = "s3cret");
        await Json.Error(await server.Http.SendAsync(Get("/v1/models")), 401, "invalid_api_key");
        await Json.Error(await server.Http.SendAsync(Get("/v1/models", auth: "Bearer wrong")), 401);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(Get("/v1/models", auth: "Bearer s3cret"))).StatusCode);
    }

    [Fact]
    public void Binding_beyond_loopback_needs_an_api_key()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new ServerOptions { Host = "0.0.0.0" }.Validate());
        Assert.Contains("API key", e.Message);
        new ServerOptions { Host = "0.0.0.0", ApiKey = "k" }.Validate();
        new ServerOptions { Host = "::1" }.Validate();
    }

    [Fact]
    public async Task Unknown_v1_routes_are_json_404s()
    {
        await using var server = TestServer.Start();
        await Json.Error(await server.Http.GetAsync("/v1/nothing/here"), 404, "unknown_url");
    }
}
