using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hearth.Tests.Protocol;

/// <summary>
/// Runs protocol/cases.json (shared with the browser runtime's tests; format in protocol/README.md) in file order
/// against one real server, keeping captured variables between cases.
/// </summary>
public sealed class ProtocolCasesTests(ProtocolServer server) : IClassFixture<ProtocolServer>
{
    static readonly string CasesPath = Path.Combine(AppContext.BaseDirectory, "protocol", "cases.json");

    [Fact]
    public async Task Every_case_holds()
    {
        var cases = JsonNode.Parse(File.ReadAllText(CasesPath))!["cases"]!.AsArray();
        var vars = new Dictionary<string, string> { ["MODEL"] = server.ModelId };
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var name = c!["name"]!.GetValue<string>();
            try { await Run(Substitute(c, vars)!, vars); }
            catch (Exception e) { failures.Add($"{name}: {e.Message}"); }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases failed:\n" + string.Join("\n", failures));
    }

    async Task Run(JsonNode c, Dictionary<string, string> vars)
    {
        var req = c["request"]!;
        var message = new HttpRequestMessage(new HttpMethod(req["method"]!.GetValue<string>()), req["path"]!.GetValue<string>());
        var content = req["rawBody"]?.GetValue<string>() ?? req["body"]?.ToJsonString();
        if (content is not null) message.Content = new StringContent(content, Encoding.UTF8, "application/json");
        foreach (var (k, v) in req["headers"]?.AsObject() ?? [])
            if (!k.Equals("content-type", StringComparison.OrdinalIgnoreCase)) message.Headers.TryAddWithoutValidation(k, v!.GetValue<string>());

        using var response = await server.Server.Http.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        var expect = c["expect"]!;
        Check((int)response.StatusCode == expect["status"]!.GetValue<int>(), $"status {(int)response.StatusCode}, body {text}");
        foreach (var (k, v) in expect["headers"]?.AsObject() ?? [])
        {
            var actual = Header(response, k);
            Check(actual?.StartsWith(v!.GetValue<string>(), StringComparison.OrdinalIgnoreCase) == true, $"header {k} is '{actual}'");
        }
        foreach (var h in expect["headersHas"]?.AsArray() ?? []) Check(Header(response, h!.GetValue<string>()) is not null, $"no header {h}");

        JsonNode? Body() => JsonNode.Parse(text);
        if (expect["json"] is JsonObject json) Equal(Body(), json, text);
        foreach (var p in expect["jsonHas"]?.AsArray() ?? []) Check(Has(Body(), p!.GetValue<string>()), $"missing {p} in {text}");
        foreach (var (path, n) in expect["jsonLength"]?.AsObject() ?? [])
            Check(Find(Body(), path) is JsonArray a && a.Count == n!.GetValue<int>(), $"{path} length is not {n} in {text}");
        foreach (var (path, wanted) in expect["jsonContains"]?.AsObject() ?? [])
            Check(Find(Body(), path) is JsonArray a && a.Any(item => wanted!.AsObject().All(kv => JsonNode.DeepEquals(Find(item, kv.Key), kv.Value))),
                $"{path} has no element like {wanted!.ToJsonString()} in {text}");

        if (expect["sse"]?.GetValue<bool>() == true || expect["sseFirst"] is not null || expect["sseLast"] is not null)
        {
            var payloads = SseEvents(text);
            Check(payloads.Count > 1 && payloads[^1] == "[DONE]", "stream does not end with [DONE]");
            var chunks = payloads.SkipLast(1).Select(p => JsonNode.Parse(p)).ToList();
            Check(chunks.All(ch => ch is JsonObject), "a payload is not a JSON object");
            if (expect["sseFirst"] is JsonObject first) Equal(chunks[0], first, payloads[0]);
            if (expect["sseLast"] is JsonObject last) Equal(chunks[^1], last, payloads[^2]);
            foreach (var p in expect["sseFirstHas"]?.AsArray() ?? []) Check(Has(chunks[0], p!.GetValue<string>()), $"first chunk lacks {p}");
            foreach (var p in expect["sseLastHas"]?.AsArray() ?? []) Check(Has(chunks[^1], p!.GetValue<string>()), $"last chunk lacks {p}");
        }

        foreach (var (name, source) in c["capture"]?.AsObject() ?? [])
        {
            var s = source!.GetValue<string>();
            vars[name] = s.StartsWith("header:") ? Header(response, s["header:".Length..]) ?? throw new Exception($"no header to capture for {name}")
                : Find(Body(), s["json:".Length..])?.GetValue<string>() ?? throw new Exception($"nothing to capture for {name}");
        }
    }

    /// <summary>The payloads of a strictly framed event stream: <c>data: X\n\n</c> only.</summary>
    static List<string> SseEvents(string body)
    {
        Check(body.EndsWith("\n\n"), "stream does not end with a blank line");
        var events = body[..^2].Split("\n\n");
        Check(events.All(e => e.StartsWith("data: ") && !e.Contains('\n')), "an event is not one data line");
        return events.Select(e => e[6..]).ToList();
    }

    static void Equal(JsonNode? root, JsonObject expected, string text)
    {
        foreach (var (path, value) in expected)
        {
            Check(Has(root, path), $"missing {path} in {text}");
            Check(JsonNode.DeepEquals(Find(root, path), value), $"{path}: expected {value?.ToJsonString() ?? "null"}, got {Find(root, path)?.ToJsonString() ?? "null"}");
        }
    }

    static JsonNode? Find(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
            node = node switch
            {
                JsonArray a when int.TryParse(part, out var i) && i < a.Count => a[i],
                JsonObject o when o.TryGetPropertyValue(part, out var next) => next,
                _ => null,
            };
        return node;
    }

    /// <summary>Exists, counting a null value as existing.</summary>
    static bool Has(JsonNode? node, string path)
    {
        var parts = path.Split('.');
        var parent = parts.Length == 1 ? node : Find(node, string.Join('.', parts[..^1]));
        return parent switch
        {
            JsonObject o => o.ContainsKey(parts[^1]),
            JsonArray a => int.TryParse(parts[^1], out var i) && i < a.Count,
            _ => false,
        };
    }

    static string? Header(HttpResponseMessage r, string name) =>
        r.Headers.TryGetValues(name, out var v) || r.Content.Headers.TryGetValues(name, out v) ? string.Join(",", v) : null;

    /// <summary>Replaces $NAME in every string, longest names first.</summary>
    static JsonNode? Substitute(JsonNode? node, Dictionary<string, string> vars) => node switch
    {
        JsonObject o => new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, Substitute(kv.Value, vars)))),
        JsonArray a => new JsonArray(a.Select(x => Substitute(x, vars)).ToArray()),
        JsonValue v when v.GetValueKind() == JsonValueKind.String =>
            JsonValue.Create(vars.OrderByDescending(kv => kv.Key.Length).Aggregate(v.GetValue<string>(), (s, kv) => s.Replace("$" + kv.Key, kv.Value))),
        _ => node?.DeepClone(),
    };

    static void Check(bool ok, string message)
    {
        if (!ok) throw new Exception(message);
    }
}

/// <summary>One server for all protocol cases.</summary>
public sealed class ProtocolServer : IAsyncLifetime
{
    public Infrastructure.TestServer Server { get; private set; } = null!;
    public string ModelId => "fake";

    public Task InitializeAsync()
    {
        Server = Infrastructure.TestServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
