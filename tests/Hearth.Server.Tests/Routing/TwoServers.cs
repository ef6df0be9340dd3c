using System.Text.Json;
using System.Text.RegularExpressions;
using Hearth.Core.Providers;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Routing;

/// <summary>
/// Two real Hearth servers on loopback: <see cref="Upstream"/> serves model "fake", and <see cref="Main"/> has its own
/// "fake" plus provider "up" (not local, priority first) that reaches the upstream through a <see cref="FaultProxy"/>.
/// Each model says who it is, so no answer can be mistaken for the other's.
/// </summary>
public sealed class TwoServers : IAsyncDisposable
{
    public TestServer Upstream { get; }
    public FaultProxy Proxy { get; }
    public TestServer Main { get; }

    TwoServers(Action<RoutingConfig>? routing)
    {
        Upstream = TestServer.Start();
        Upstream.Model.Reply = _ => "upstream answers here";
        Proxy = new FaultProxy(Upstream.BaseAddress);
        Main = TestServer.Start(o =>
        {
            var file = new ProvidersFile
            {
                Providers = [new ProviderConfig { Name = "up", Kind = "hearth", BaseUrl = new Uri(Proxy.BaseAddress, "v1").AbsoluteUri, Local = false, Priority = -1,
                    Models = ["fake"], Prices = new() { ["fake"] = new PriceConfig { InputPerMillion = 1, OutputPerMillion = 2 } }, FirstTokenTimeoutMs = 10_000 }],
                Routing = new RoutingConfig { PreferLocal = false },
            };
            routing?.Invoke(file.Routing);
            new ProviderStore(o.Home).Save(file);
        });
        Main.Model.Reply = _ => "local answers here";
    }

    public static TwoServers Start(Action<RoutingConfig>? routing = null) => new(routing);

    /// <summary>Chat completions the upstream has answered or refused, from its own request log (/metrics).</summary>
    public async Task<long> UpstreamChatRequestsAsync()
    {
        var metrics = await Upstream.Http.GetStringAsync("/metrics");
        return Regex.Matches(metrics, @"hearth_requests_total\{route=""/v1/chat/completions"",status=""\d+""\} (\d+)").Sum(m => long.Parse(m.Groups[1].Value));
    }

    /// <summary>Every request the upstream saw except its own /metrics.</summary>
    public async Task<long> UpstreamRequestsAsync()
    {
        var metrics = await Upstream.Http.GetStringAsync("/metrics");
        return Regex.Matches(metrics, @"hearth_requests_total\{route=""([^""]*)"",status=""\d+""\} (\d+)")
            .Where(m => m.Groups[1].Value != "/metrics").Sum(m => long.Parse(m.Groups[2].Value));
    }

    public async Task<HttpResponseMessage> ChatAsync(string model, bool stream = false, string? route = null, string extra = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello"}],"stream":{{(stream ? "true" : "false")}}{{extra}}}"""),
        };
        if (route is not null) request.Headers.Add("x-hearth-route", route);
        return await Main.Http.SendAsync(request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
    }

    public static string ProviderOf(HttpResponseMessage r) => r.Headers.TryGetValues("x-hearth-provider", out var v) ? v.Single() : "(none)";

    public static async Task<string> TextOf(HttpResponseMessage r)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    public async Task<JsonElement> MainModelAsync(string id) =>
        (await Json.Read(await Main.Http.GetAsync("/v1/models"))).GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == id);

    public async ValueTask DisposeAsync()
    {
        await Main.DisposeAsync();
        await Proxy.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
