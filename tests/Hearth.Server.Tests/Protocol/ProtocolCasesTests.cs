using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Protocol;

/// <summary>
/// Runs every case of protocol/cases.json (shared with the browser runtime's tests) against the real server.
/// Format: protocol/README.md.
/// </summary>
public sealed class ProtocolCasesTests(ProtocolServer server) : IClassFixture<ProtocolServer>
{
    static readonly string CasesPath = Path.Combine(AppContext.BaseDirectory, "protocol", "cases.json");

    public static IEnumerable<object[]> Cases() =>
        JsonDocument.Parse(File.ReadAllText(CasesPath)).RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new object[] { c.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case(string name)
    {
        var c = JsonDocument.Parse(File.ReadAllText(CasesPath)).RootElement.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var req = c.GetProperty("request");
        var message = new HttpRequestMessage(new HttpMethod(req.GetProperty("method").GetString()!), req.GetProperty("path").GetString());
        if (req.TryGetProperty("body", out var body))
        {
            var text = body.ValueKind == JsonValueKind.String ? body.GetString()! : body.GetRawText();
            message.Content = new StringContent(text.Replace("$MODEL", server.ModelId), Encoding.UTF8, "application/json");
        }
        if (req.TryGetProperty("headers", out var headers))
            foreach (var h in headers.EnumerateObject()) message.Headers.TryAddWithoutValidation(h.Name, h.Value.GetString()!.Replace("$MODEL", server.ModelId));

        using var response = await server.Server.Http.SendAsync(message);
        var responseText = await response.Content.ReadAsStringAsync();
        var expect = c.GetProperty("expect");
        Assert.True((int)response.StatusCode == expect.GetProperty("status").GetInt32(), $"status {(int)response.StatusCode}: {responseText}");

        if (expect.TryGetProperty("headers", out var expectedHeaders))
            foreach (var h in expectedHeaders.EnumerateObject())
            {
                var actual = HeaderValue(response, h.Name);
                Assert.True(actual?.StartsWith(h.Value.GetString()!, StringComparison.OrdinalIgnoreCase) == true, $"header {h.Name}: '{actual}'");
            }

        if (expect.TryGetProperty("sse", out var sse) && sse.GetBoolean())
        {
            var chunks = SseReader.Chunks(responseText);
            Assert.NotEmpty(chunks);
            Assert.All(chunks, ch => Assert.Equal("chat.completion.chunk", ch.GetProperty("object").GetString()));
            Assert.Single(chunks.Select(ch => ch.GetProperty("id").GetString()).Distinct());
        }

        if (expect.TryGetProperty("json", out var json) || expect.TryGetProperty("jsonHas", out _))
        {
            var root = JsonDocument.Parse(responseText).RootElement;
            if (expect.TryGetProperty("json", out json))
                foreach (var p in json.EnumerateObject())
                {
                    var found = Find(root, p.Name);
                    Assert.True(found is not null, $"missing {p.Name} in {responseText}");
                    Assert.True(JsonElement.DeepEquals(found!.Value, p.Value), $"{p.Name}: expected {p.Value.GetRawText()}, got {found.Value.GetRawText()}");
                }
            if (expect.TryGetProperty("jsonHas", out var has))
                foreach (var path in has.EnumerateArray())
                    Assert.True(Find(root, path.GetString()!) is not null, $"missing {path.GetString()} in {responseText}");
        }
    }

    static string? HeaderValue(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) || r.Content.Headers.TryGetValues(name, out v) ? string.Join(",", v) : null;

    /// <summary>Follows a dotted path (numbers index arrays).</summary>
    static JsonElement? Find(JsonElement root, string path)
    {
        var e = root;
        foreach (var part in path.Split('.'))
        {
            if (e.ValueKind == JsonValueKind.Array && int.TryParse(part, out var i) && i < e.GetArrayLength()) e = e[i];
            else if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(part, out var next)) e = next;
            else return null;
        }
        return e;
    }
}

/// <summary>One server for all protocol cases.</summary>
public sealed class ProtocolServer : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public string ModelId => "fake";

    public Task InitializeAsync()
    {
        Server = TestServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
