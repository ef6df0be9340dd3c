using Hearth.Core.Memory;
using Hearth.Core.OpenAI;
using Hearth.Server.Http;

namespace Hearth.Server.Routes;

/// <summary>/v1/conversations: the stored conversations, newest first.</summary>
static class ConversationRoutes
{
    public static async Task List(HttpContext http, ConversationStore store, int? limit, string? after)
    {
        if (limit is < 1 or > 1000) throw ApiException.InvalidValue("limit", "must be between 1 and 1000.");
        var (page, hasMore) = await store.ListAsync(limit ?? 100, after, http.RequestAborted);
        await HttpJson.Write(http.Response, ConversationJson.List(page, hasMore));
    }

    public static async Task Create(HttpContext http, ConversationStore store, ServerOptions options)
    {
        var patch = ConversationPatch.Parse(await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, http.RequestAborted), allowModel: true);
        var c = await store.CreateAsync(patch.Title ?? "New conversation", patch.Model, patch.Metadata ?? "{}", http.RequestAborted);
        await HttpJson.Write(http.Response, ConversationJson.One(c));
    }

    public static async Task Get(HttpContext http, ConversationStore store, string id) =>
        await HttpJson.Write(http.Response, ConversationJson.One(await store.GetAsync(id, http.RequestAborted) ?? throw NotFound(id)));

    public static async Task Update(HttpContext http, ConversationStore store, ServerOptions options, string id)
    {
        var patch = ConversationPatch.Parse(await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, http.RequestAborted), allowModel: false);
        var c = await store.UpdateAsync(id, patch.Title, patch.Metadata, http.RequestAborted) ?? throw NotFound(id);
        await HttpJson.Write(http.Response, ConversationJson.One(c));
    }

    public static async Task Delete(HttpContext http, ConversationStore store, string id)
    {
        if (!await store.DeleteAsync(id, http.RequestAborted)) throw NotFound(id);
        await HttpJson.Write(http.Response, ConversationJson.Deleted(id));
    }

    public static async Task Messages(HttpContext http, ConversationStore store, string id)
    {
        if (await store.GetAsync(id, http.RequestAborted) is null) throw NotFound(id);
        await HttpJson.Write(http.Response, ConversationJson.Messages(await store.GetMessagesAsync(id, http.RequestAborted)));
    }

    static ApiException NotFound(string id) => ApiException.NotFound("conversation", id, "conversation_not_found");
}
