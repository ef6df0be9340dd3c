using System.Net;
using System.Text;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Http;

/// <summary>Mutated and truncated bodies, sent concurrently: every one answered in OpenAI's error shape, never a 500.</summary>
public class HostileInputTests
{
    const string Junk = "{}[]\":,0-e.";

    [Fact]
    public async Task Mutated_bodies_get_client_errors_and_the_server_keeps_serving()
    {
        await using var server = TestServer.Start();
        var valid = Encoding.UTF8.GetBytes("""{"model":"fake","messages":[{"role":"system","content":"s"},{"role":"user","content":"hi"}],"temperature":0.5,"max_tokens":4,"stop":["x"],"logit_bias":{"1":2}}""");
        var random = new Random(1234);
        var bodies = Enumerable.Range(0, 300).Select(_ =>
        {
            var b = (byte[])valid.Clone();
            switch (random.Next(3))
            {
                case 0: for (var k = 0; k < 3; k++) b[random.Next(b.Length)] = (byte)random.Next(256); break;
                case 1: b = b[..random.Next(b.Length)]; break;
                default: b[random.Next(b.Length)] = (byte)Junk[random.Next(Junk.Length)]; break;
            }
            return b;
        }).ToList();

        var statuses = await Task.WhenAll(bodies.Select(async b =>
        {
            using var content = new ByteArrayContent(b);
            content.Headers.ContentType = new("application/json");
            using var response = await server.Http.PostAsync("/v1/chat/completions", content);
            if (!response.IsSuccessStatusCode) await Json.Error(response, (int)response.StatusCode);
            return (int)response.StatusCode;
        }));
        Assert.All(statuses, s => Assert.True(s is 200 or 400 or 404 or 429, $"status {s}"));
        Assert.Contains(400, statuses);

        using var ok = await server.Http.PostAsync("/v1/chat/completions", new ByteArrayContent(valid));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
