using System.Buffers;
using System.Text.Json;
using Hearth.Core.Registry;

namespace Hearth.Core.OpenAI;

/// <summary><c>GET /v1/models</c> and the model load/unload bodies and events.</summary>
public static class ModelJson
{
    public static ReadOnlyMemory<byte> List(IReadOnlyList<ModelDescriptor> models)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            foreach (var m in models)
            {
                w.WriteStartObject();
                w.WriteString("id", m.Id);
                w.WriteString("object", "model");
                w.WriteNumber("created", m.CreatedUnixSeconds);
                w.WriteString("owned_by", m.OwnedBy);
                if (m.ContextWindow is int ctx) w.WriteNumber("context_window", ctx); else w.WriteNull("context_window");
                w.WriteBoolean("cached", m.Cached);
                w.WriteBoolean("loaded", m.Loaded);
                w.WriteBoolean("compatible", m.Compatible);
                w.WriteNumber("size", m.SizeBytes);
                w.WriteNumber("size_bytes", m.SizeBytes); // the browser runtime's name for it
                if (m.Quantization is null) w.WriteNull("quantization"); else w.WriteString("quantization", m.Quantization);
                w.WriteString("engine", m.Provider == "local" ? "hearth" : m.Provider);
                if (m.IsDefault) w.WriteBoolean("default", true);
                // Routing: who runs it, whether it stays on this device, its health and price (when known).
                w.WriteString("provider", m.Provider);
                w.WriteBoolean("local", m.Local);
                if (m.Health is null) w.WriteNull("health"); else w.WriteString("health", m.Health);
                if (m.Price is { } price)
                {
                    w.WriteStartObject("pricing");
                    w.WriteNumber("input_per_million", price.InputPerMillion);
                    w.WriteNumber("output_per_million", price.OutputPerMillion);
                    w.WriteString("currency", "USD");
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }

    /// <summary>A load/unload body: <c>{"model": "...", "keep_alive"?: 300 | "5m"}</c>.</summary>
    public static (string Model, TimeSpan? KeepAlive) ParseModelBody(ReadOnlyMemory<byte> body)
    {
        using var doc = ChatRequestParser.ParseJson(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw ApiException.InvalidRequest("The request body must be a JSON object.", null, "invalid_json");
        string? model = null;
        TimeSpan? keepAlive = null;
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "model") model = ChatRequestParser.String(p.Value, "model");
            else if (p.Name == "keep_alive") keepAlive = p.Value.ValueKind == JsonValueKind.Null ? null : ChatRequestParser.KeepAliveOf(p.Value);
            else throw ApiException.Unsupported(p.Name, "this endpoint takes only 'model' and 'keep_alive'.");
        }
        return string.IsNullOrEmpty(model) ? throw ApiException.InvalidRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter") : (model, keepAlive);
    }

    /// <summary>One load progress event. <paramref name="eta"/> in seconds, null when unknown.</summary>
    public static ReadOnlyMemory<byte> LoadProgress(string model, ModelLoadProgress p, double elapsed, double? eta) => Sse.Sse.Event(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "model.load.progress");
        w.WriteString("model", model);
        w.WriteString("phase", p.Phase);
        w.WriteNumber("progress", Math.Clamp(p.Progress, 0, 1));
        w.WriteNumber("bytes", p.Bytes);
        w.WriteNumber("total", p.Total);
        if (p.Text is null) w.WriteNull("text"); else w.WriteString("text", p.Text);
        w.WriteNumber("elapsed", Math.Round(elapsed, 3));
        if (eta is double e) w.WriteNumber("eta", Math.Round(e, 3)); else w.WriteNull("eta");
        // The browser runtime's names for the same things.
        if (eta is double e2) w.WriteNumber("eta_seconds", Math.Round(e2, 3)); else w.WriteNull("eta_seconds");
        w.WriteString("status", p.Text ?? p.Phase);
        w.WriteEndObject();
    });

    /// <summary>The final event of a load: done (with the context window) or failed (with an error).</summary>
    public static ReadOnlyMemory<byte> LoadDone(string model, double elapsed, int? contextWindow, ApiException? error) => Sse.Sse.Event(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "model.load.done");
        w.WriteString("model", model);
        w.WriteString("phase", error is null ? "ready" : "failed");
        w.WriteNumber("progress", error is null ? 1 : 0);
        w.WriteBoolean("done", true);
        w.WriteString("engine", "hearth");
        w.WriteNumber("elapsed", Math.Round(elapsed, 3));
        if (contextWindow is int ctx) w.WriteNumber("context_window", ctx);
        if (error is not null) ErrorJson.Write(w, error);
        w.WriteEndObject();
    });

    public static ReadOnlyMemory<byte> Deleted(string model, bool deleted)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            w.WriteStartObject();
            w.WriteString("id", model);
            w.WriteString("object", "model");
            w.WriteBoolean("deleted", deleted);
            w.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }

    public static ReadOnlyMemory<byte> Unloaded(string model, bool wasLoaded)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            w.WriteStartObject();
            w.WriteString("object", "model.unload");
            w.WriteString("model", model);
            w.WriteBoolean("unloaded", wasLoaded);
            w.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }
}
