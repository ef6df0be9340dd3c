using System.Net;
using System.Text.Json;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Conversations;

public class ConversationRoutesTests
{
    [Fact]
    public async Task Create_get_list_newest_first_patch_and_delete()
    {
        await using var server = TestServer.Start();
        var a = await Json.Read(await server.Http.PostAsync("/v1/conversations", Json.Body("""{"title":"a"}""")));
        await Task.Delay(10);
        var b = await Json.Read(await server.Http.PostAsync("/v1/conversations", Json.Body("""{"title":"b","metadata":{"x":1}}""")));
        var aId = a.GetProperty("id").GetString()!;
        Assert.Equal("conversation", a.GetProperty("object").GetString());

        var list = await Json.Read(await server.Http.GetAsync("/v1/conversations"));
        Assert.Equal(["b", "a"], list.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("title").GetString()));
        Assert.False(list.GetProperty("has_more").GetBoolean());

        var patched = await Json.Read(await server.Http.PatchAsync($"/v1/conversations/{aId}", Json.Body("""{"title":"renamed","metadata":{"pinned":true}}""")));
        Assert.Equal("renamed", patched.GetProperty("title").GetString());
        Assert.True(patched.GetProperty("metadata").GetProperty("pinned").GetBoolean());
        list = await Json.Read(await server.Http.GetAsync("/v1/conversations?limit=1"));
        Assert.Equal("renamed", list.GetProperty("data")[0].GetProperty("title").GetString());
        Assert.True(list.GetProperty("has_more").GetBoolean());

        await Json.Error(await server.Http.PatchAsync($"/v1/conversations/{aId}", Json.Body("""{"title":5}""")), 400, "invalid_type", "title");
        var deleted = await Json.Read(await server.Http.DeleteAsync($"/v1/conversations/{aId}"));
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        await Json.Error(await server.Http.GetAsync($"/v1/conversations/{aId}"), 404, "conversation_not_found");
        await Json.Error(await server.Http.DeleteAsync($"/v1/conversations/{aId}"), 404);
    }

    [Fact]
    public async Task Completions_are_saved_and_history_is_replayed_for_a_client_sending_only_its_new_message()
    {
        await using var server = TestServer.Start();
        using var first = await server.Http.PostAsync("/v1/chat/completions",
            Json.Body("""{"model":"fake","messages":[{"role":"system","content":"be kind"},{"role":"user","content":"Tell me a story about a dragon"}]}"""));
        var id = first.Headers.GetValues("x-conversation-id").Single();

        var conversation = await Json.Read(await server.Http.GetAsync($"/v1/conversations/{id}"));
        Assert.Equal("Tell me a story about a dragon", conversation.GetProperty("title").GetString());
        Assert.Equal("fake", conversation.GetProperty("model").GetString());

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json.Body("""{"model":"fake","messages":[{"role":"user","content":"And then?"}],"stream":true}"""),
        };
        request.Headers.Add("x-conversation-id", id);
        using var second = await server.Http.SendAsync(request);
        Assert.Equal(id, second.Headers.GetValues("x-conversation-id").Single());
        Assert.Equal("echo: And then?", SseReader.Text(SseReader.Chunks(await second.Content.ReadAsStringAsync())));
        Assert.Equal(["be kind", "Tell me a story about a dragon", "echo: Tell me a story about a dragon", "And then?"],
            server.Model.Calls[^1].Messages.Select(m => m.Text));

        var messages = (await Json.Read(await server.Http.GetAsync($"/v1/conversations/{id}/messages"))).GetProperty("data");
        Assert.Equal(["system", "user", "assistant", "user", "assistant"], messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal([0, 1, 2, 3, 4], messages.EnumerateArray().Select(m => m.GetProperty("seq").GetInt32()));
        var reply = messages[4];
        Assert.Equal(("fake", "stop", false), (reply.GetProperty("model").GetString(), reply.GetProperty("finish_reason").GetString(), reply.GetProperty("interrupted").GetBoolean()));
        Assert.True(reply.GetProperty("completion_tokens").GetInt32() > 0);
        Assert.Equal(JsonValueKind.Object, reply.GetProperty("timings").ValueKind);

        // The conversation field in the body works the same way, and a resent full history is not replayed twice.
        using var third = await server.Http.PostAsync("/v1/chat/completions", Json.Body($$"""
            {"model":"fake","conversation_id":"{{id}}","messages":[{"role":"system","content":"be kind"},{"role":"user","content":"Tell me a story about a dragon"},
             {"role":"assistant","content":"echo: Tell me a story about a dragon"},{"role":"user","content":"And then?"},{"role":"assistant","content":"echo: And then?"},
             {"role":"user","content":"The end"}]}
            """));
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(6, server.Model.Calls[^1].Messages.Count);
        Assert.Equal(7, (await Json.Read(await server.Http.GetAsync($"/v1/conversations/{id}/messages"))).GetProperty("data").GetArrayLength());
    }
}
