using Microsoft.Data.Sqlite;

namespace Hearth.Core.Memory;

/// <summary>
/// Conversations and their messages in SQLite (WAL mode). Every write is one transaction, so a process killed
/// at any moment leaves whole turns or nothing. Thread-safe: each call uses its own pooled connection.
/// </summary>
public sealed class ConversationStore
{
    readonly string _connectionString;

    public string Path { get; }

    ConversationStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
    }

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/> and brings its schema up to date.</summary>
    public static ConversationStore Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var store = new ConversationStore(path);
        using var db = store.Connect();
        Exec(db, "PRAGMA journal_mode = WAL;");
        Migrations.Apply(db);
        return store;
    }

    public async Task<Conversation> CreateAsync(string title, string? model, string metadata = "{}", CancellationToken ct = default)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var c = new Conversation(Guid.NewGuid().ToString(), title, model, now, now, metadata);
        await using var db = Connect();
        await using var cmd = Command(db, "INSERT INTO conversations (id, title, model, created_at, updated_at, metadata) VALUES ($id, $title, $model, $now, $now, $metadata);",
            ("$id", c.Id), ("$title", title), ("$model", model), ("$now", now), ("$metadata", metadata));
        await cmd.ExecuteNonQueryAsync(ct);
        return c;
    }

    public async Task<Conversation?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var db = Connect();
        await using var cmd = Command(db, "SELECT id, title, model, created_at, updated_at, metadata FROM conversations WHERE id = $id;", ("$id", id));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadConversation(r) : null;
    }

    /// <summary>Newest first by updatedAt; <paramref name="after"/> is the id of the last conversation of the previous page.</summary>
    public async Task<(IReadOnlyList<Conversation> Page, bool HasMore)> ListAsync(int limit = 100, string? after = null, CancellationToken ct = default)
    {
        await using var db = Connect();
        var sql = "SELECT id, title, model, created_at, updated_at, metadata FROM conversations";
        if (after is not null)
            sql += " WHERE (updated_at, id) < (SELECT updated_at, id FROM conversations WHERE id = $after)";
        await using var cmd = Command(db, sql + " ORDER BY updated_at DESC, id DESC LIMIT $limit;", ("$after", after), ("$limit", limit + 1));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<Conversation>();
        while (await r.ReadAsync(ct)) list.Add(ReadConversation(r));
        var hasMore = list.Count > limit;
        if (hasMore) list.RemoveAt(limit);
        return (list, hasMore);
    }

    /// <summary>Changes title and/or metadata (null leaves it); returns null when there is no such conversation.</summary>
    public async Task<Conversation?> UpdateAsync(string id, string? title, string? metadata, CancellationToken ct = default)
    {
        await using (var db = Connect())
        await using (var cmd = Command(db, "UPDATE conversations SET title = coalesce($title, title), metadata = coalesce($metadata, metadata), updated_at = $now WHERE id = $id;",
            ("$id", id), ("$title", title), ("$metadata", metadata), ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())))
        {
            if (await cmd.ExecuteNonQueryAsync(ct) == 0) return null;
        }
        return await GetAsync(id, ct);
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        await using var db = Connect();
        await using var cmd = Command(db, "DELETE FROM conversations WHERE id = $id;", ("$id", id));
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<IReadOnlyList<StoredMessage>> GetMessagesAsync(string conversationId, CancellationToken ct = default)
    {
        await using var db = Connect();
        await using var cmd = Command(db,
            """
            SELECT id, conversation_id, seq, role, content, name, tool_calls, tool_call_id, model, provider,
                   prompt_tokens, completion_tokens, finish_reason, interrupted, timings, created_at
            FROM messages WHERE conversation_id = $id ORDER BY seq;
            """, ("$id", conversationId));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredMessage>();
        while (await r.ReadAsync(ct))
            list.Add(new StoredMessage(
                r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4),
                Text(r, 5), Text(r, 6), Text(r, 7), Text(r, 8), Text(r, 9),
                r.IsDBNull(10) ? null : r.GetInt32(10), r.IsDBNull(11) ? null : r.GetInt32(11),
                Text(r, 12), r.GetInt64(13) != 0, Text(r, 14), r.GetInt64(15)));
        return list;
    }

    /// <summary>
    /// Appends a turn's messages in one transaction and touches the conversation (updatedAt, model).
    /// Throws <see cref="KeyNotFoundException"/> when the conversation was deleted meanwhile.
    /// </summary>
    public async Task<IReadOnlyList<StoredMessage>> AppendAsync(string conversationId, IReadOnlyList<NewMessage> messages, string? model, CancellationToken ct = default)
    {
        await using var db = Connect();
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var touch = Command(db, "UPDATE conversations SET updated_at = max($now, updated_at + 1), model = coalesce($model, model) WHERE id = $id;",
            ("$id", conversationId), ("$now", now), ("$model", model)))
        {
            touch.Transaction = tx;
            if (await touch.ExecuteNonQueryAsync(ct) == 0) throw new KeyNotFoundException($"No conversation with id '{conversationId}'.");
        }
        int seq;
        await using (var next = Command(db, "SELECT coalesce(max(seq) + 1, 0) FROM messages WHERE conversation_id = $id;", ("$id", conversationId)))
        {
            next.Transaction = tx;
            seq = Convert.ToInt32(await next.ExecuteScalarAsync(ct));
        }
        var stored = new List<StoredMessage>();
        foreach (var m in messages)
        {
            var s = new StoredMessage(Guid.NewGuid().ToString(), conversationId, seq++, m.Role, m.Content, m.Name, m.ToolCalls, m.ToolCallId,
                m.Model, m.Provider, m.PromptTokens, m.CompletionTokens, m.FinishReason, m.Interrupted, m.Timings, now);
            await using var insert = Command(db,
                """
                INSERT INTO messages (id, conversation_id, seq, role, content, name, tool_calls, tool_call_id, model, provider,
                                      prompt_tokens, completion_tokens, finish_reason, interrupted, timings, created_at)
                VALUES ($id, $conversation, $seq, $role, $content, $name, $toolCalls, $toolCallId, $model, $provider,
                        $promptTokens, $completionTokens, $finishReason, $interrupted, $timings, $createdAt);
                """,
                ("$id", s.Id), ("$conversation", conversationId), ("$seq", s.Seq), ("$role", s.Role), ("$content", s.Content),
                ("$name", s.Name), ("$toolCalls", s.ToolCalls), ("$toolCallId", s.ToolCallId), ("$model", s.Model), ("$provider", s.Provider),
                ("$promptTokens", s.PromptTokens), ("$completionTokens", s.CompletionTokens), ("$finishReason", s.FinishReason),
                ("$interrupted", s.Interrupted ? 1 : 0), ("$timings", s.Timings), ("$createdAt", now));
            insert.Transaction = tx;
            await insert.ExecuteNonQueryAsync(ct);
            stored.Add(s);
        }
        await tx.CommitAsync(ct);
        return stored;
    }

    /// <summary>Runs SQLite's own consistency check; "ok" when the file is sound.</summary>
    public string IntegrityCheck()
    {
        using var db = Connect();
        using var cmd = Command(db, "PRAGMA integrity_check;");
        return Convert.ToString(cmd.ExecuteScalar()) ?? "";
    }

    SqliteConnection Connect()
    {
        var db = new SqliteConnection(_connectionString);
        db.Open();
        // Per connection: cascade deletes, and wait (not fail) while another writer holds the lock.
        Exec(db, "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;");
        return db;
    }

    static SqliteCommand Command(SqliteConnection db, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    static void Exec(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    static Conversation ReadConversation(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), Text(r, 2), r.GetInt64(3), r.GetInt64(4), r.GetString(5));

    static string? Text(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
