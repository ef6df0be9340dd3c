using Microsoft.Data.Sqlite;

namespace Hearth.Core.Memory;

/// <summary>
/// The store's schema, one migration per version. <c>PRAGMA user_version</c> records how many have run;
/// each runs in its own transaction, so a crash leaves the database at a whole version.
/// </summary>
static class Migrations
{
    static readonly string[] Steps =
    [
        // 1: conversations and messages.
        """
        CREATE TABLE conversations (
            id          TEXT PRIMARY KEY,
            title       TEXT NOT NULL,
            model       TEXT,
            created_at  INTEGER NOT NULL,
            updated_at  INTEGER NOT NULL,
            metadata    TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX conversations_by_updated_at ON conversations (updated_at DESC);
        CREATE TABLE messages (
            id                TEXT PRIMARY KEY,
            conversation_id   TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            seq               INTEGER NOT NULL,
            role              TEXT NOT NULL,
            content           TEXT NOT NULL,
            name              TEXT,
            tool_calls        TEXT,
            tool_call_id      TEXT,
            model             TEXT,
            provider          TEXT,
            prompt_tokens     INTEGER,
            completion_tokens INTEGER,
            finish_reason     TEXT,
            interrupted       INTEGER NOT NULL DEFAULT 0,
            timings           TEXT,
            created_at        INTEGER NOT NULL,
            UNIQUE (conversation_id, seq)
        );
        CREATE INDEX messages_by_conversation_time ON messages (conversation_id, created_at);
        """,
    ];

    public static int Latest => Steps.Length;

    public static void Apply(SqliteConnection db)
    {
        var version = Convert.ToInt32(Scalar(db, "PRAGMA user_version;"));
        if (version > Steps.Length)
            throw new InvalidOperationException($"The conversation store is at schema version {version}, newer than this Hearth ({Steps.Length}). Upgrade Hearth.");
        for (var v = version; v < Steps.Length; v++)
        {
            using var tx = db.BeginTransaction();
            using (var cmd = db.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = Steps[v] + $"\nPRAGMA user_version = {v + 1};";
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    static object? Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
