using Hearth.Core.Memory;
using Microsoft.Data.Sqlite;

namespace Hearth.Tests.Memory;

public sealed class ConversationStoreTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("hearth-store-").FullName;
    ConversationStore Open() => ConversationStore.Open(Path.Combine(_dir, "hearth.db"));

    [Fact]
    public async Task Creates_lists_newest_first_updates_and_deletes()
    {
        var store = Open();
        var a = await store.CreateAsync("first", "m1");
        await Task.Delay(5);
        var b = await store.CreateAsync("second", null, """{"tag":1}""");
        Assert.True(Guid.TryParse(a.Id, out _));

        var (page, more) = await store.ListAsync();
        Assert.Equal([b.Id, a.Id], page.Select(c => c.Id));
        Assert.False(more);

        await Task.Delay(5);
        await store.AppendAsync(a.Id, [new NewMessage("user", "hi")], "m2");
        (page, _) = await store.ListAsync();
        Assert.Equal([a.Id, b.Id], page.Select(c => c.Id));
        Assert.Equal("m2", page[0].Model);

        var (first, hasMore) = await store.ListAsync(limit: 1);
        Assert.True(hasMore);
        var (second, _) = await store.ListAsync(limit: 1, after: first[0].Id);
        Assert.Equal(b.Id, Assert.Single(second).Id);

        var renamed = await store.UpdateAsync(b.Id, "renamed", null);
        Assert.Equal(("renamed", """{"tag":1}"""), (renamed!.Title, renamed.Metadata));
        Assert.Null(await store.UpdateAsync(Guid.NewGuid().ToString(), "x", null));

        Assert.True(await store.DeleteAsync(a.Id));
        Assert.False(await store.DeleteAsync(a.Id));
        Assert.Null(await store.GetAsync(a.Id));
        Assert.Empty(await store.GetMessagesAsync(a.Id)); // cascaded
    }

    [Fact]
    public async Task Appends_turns_in_order_with_all_fields()
    {
        var store = Open();
        var c = await store.CreateAsync("t", "m");
        await store.AppendAsync(c.Id, [new NewMessage("user", "one")], "m");
        await store.AppendAsync(c.Id, [
            new NewMessage("user", "two", Name: "ann"),
            new NewMessage("assistant", "reply", ToolCalls: """[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]""",
                Model: "m", Provider: "hearth", PromptTokens: 12, CompletionTokens: 3, FinishReason: "stop", Timings: """{"a":1}"""),
            new NewMessage("assistant", "cut", Interrupted: true),
        ], "m");
        var messages = await store.GetMessagesAsync(c.Id);
        Assert.Equal([0, 1, 2, 3], messages.Select(m => m.Seq));
        Assert.Equal(["one", "two", "reply", "cut"], messages.Select(m => m.Content));
        Assert.Equal("ann", messages[1].Name);
        var r = messages[2];
        Assert.Equal((12, 3, "stop", false, "hearth"), (r.PromptTokens!.Value, r.CompletionTokens!.Value, r.FinishReason, r.Interrupted, r.Provider));
        Assert.Contains("\"f\"", r.ToolCalls);
        Assert.True(messages[3].Interrupted);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.AppendAsync(Guid.NewGuid().ToString(), [new NewMessage("user", "x")], null));
    }

    [Fact]
    public async Task Uses_wal_a_versioned_schema_and_the_documented_indexes()
    {
        var store = Open();
        Assert.Equal("ok", store.IntegrityCheck());
        await using var db = new SqliteConnection($"Data Source={store.Path}");
        db.Open();
        Assert.Equal("wal", Scalar(db, "PRAGMA journal_mode;"));
        Assert.Equal(1L, Scalar(db, "PRAGMA user_version;"));
        Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='conversations_by_updated_at';"));
        Assert.Equal(1L, Scalar(db, "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='messages_by_conversation_time';"));
        // Opening again does not migrate twice.
        Open();
        Assert.Equal(1L, Scalar(db, "PRAGMA user_version;"));
    }

    [Fact]
    public async Task Refuses_a_store_from_a_newer_hearth()
    {
        Open();
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(_dir, "hearth.db")};Pooling=False"))
        {
            db.Open();
            Scalar(db, "PRAGMA user_version = 99;");
        }
        var e = Assert.Throws<InvalidOperationException>(Open);
        Assert.Contains("newer", e.Message);
    }

    [Fact]
    public async Task Concurrent_appends_never_collide()
    {
        var store = Open();
        var c = await store.CreateAsync("t", null);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => store.AppendAsync(c.Id, [new NewMessage("user", $"u{i}"), new NewMessage("assistant", $"a{i}")], null))));
        var messages = await store.GetMessagesAsync(c.Id);
        Assert.Equal(Enumerable.Range(0, 40), messages.Select(m => m.Seq));
        // Each turn's two messages are adjacent: turns are atomic.
        for (var i = 0; i < 40; i += 2) Assert.Equal(messages[i].Content[1..], messages[i + 1].Content[1..]);
    }

    static object? Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
