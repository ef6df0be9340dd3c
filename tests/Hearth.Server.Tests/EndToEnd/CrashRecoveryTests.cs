using System.Text.Json;
using Hearth.Core.Memory;
using Hearth.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Hearth.Tests.EndToEnd;

/// <summary>SIGKILL in the middle of a stream loses nothing that was completed and leaves a sound database.</summary>
public sealed class CrashRecoveryTests : IDisposable
{
    readonly string _home = Directory.CreateTempSubdirectory("hearth-crash-").FullName;

    [Fact]
    public async Task Killing_the_server_mid_stream_keeps_every_completed_message_and_the_store_intact()
    {
        string conversation;
        var model = "stories260K";
        var modelArgs = new[] { "--model-file", TestModels.Path("stories260K.gguf") };
        await using (var hearth = await HearthProcess.StartAsync(_home, modelArgs))
        {
            using var first = await hearth.Http.PostAsync("/v1/chat/completions",
                Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"Once upon a time"}],"max_tokens":12}"""));
            Assert.True(first.IsSuccessStatusCode, await first.Content.ReadAsStringAsync());
            conversation = first.Headers.GetValues("x-conversation-id").Single();
            for (var i = 0; i < 3; i++)
            {
                var turn = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"Then what happened {{i}}?"}],"max_tokens":12}"""),
                };
                turn.Headers.Add("x-conversation-id", conversation);
                using var r = await hearth.Http.SendAsync(turn);
                Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
            }

            // A long stream in the same conversation, killed after its first events.
            var stream = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"Tell a long story"}],"stream":true,"max_tokens":200,"temperature":1}"""),
            };
            stream.Headers.Add("x-conversation-id", conversation);
            using var response = await hearth.Http.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[256];
            Assert.True(await body.ReadAsync(buffer) > 0);
            hearth.Kill();
        }

        Assert.Equal("ok", ConversationStore.Open(Path.Combine(_home, "hearth.db")).IntegrityCheck());
        await using (var hearth = await HearthProcess.StartAsync(_home, modelArgs))
        {
            var messages = JsonDocument.Parse(await hearth.Http.GetStringAsync($"v1/conversations/{conversation}/messages")).RootElement.GetProperty("data");
            var roles = messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()).ToList();
            // The four completed turns are all there, whole; the killed one is there whole or not at all.
            Assert.True(roles.Count is 8 or 10, string.Join(",", roles));
            Assert.Equal(Enumerable.Range(0, roles.Count / 2).SelectMany(_ => new[] { "user", "assistant" }), roles);
            Assert.Equal(Enumerable.Range(0, roles.Count), messages.EnumerateArray().Select(m => m.GetProperty("seq").GetInt32()));
            for (var i = 1; i < 8; i += 2) Assert.False(string.IsNullOrEmpty(messages[i].GetProperty("content").GetString()));

            // And it still works after the crash.
            using var again = await hearth.Http.PostAsync("/v1/chat/completions",
                Json.Body($$"""{"model":"{{model}}","conversation_id":"{{conversation}}","messages":[{"role":"user","content":"The end"}],"max_tokens":4}"""));
            Assert.True(again.IsSuccessStatusCode, await again.Content.ReadAsStringAsync());
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_home, true); } catch (IOException) { }
    }
}
