using System.Buffers;
using System.Text.Json;

namespace Hearth.Core.Sse;

/// <summary>Server-sent events as OpenAI frames them: <c>data: {json}\n\n</c>, ending with <c>data: [DONE]\n\n</c>.</summary>
public static class Sse
{
    public const string ContentType = "text/event-stream";
    public static ReadOnlyMemory<byte> Done { get; } = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>One event whose data is the JSON the callback writes.</summary>
    public static ReadOnlyMemory<byte> Event(Action<Utf8JsonWriter> writeJson)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write("data: "u8);
        using (var w = new Utf8JsonWriter(buffer, Hearth.Core.OpenAI.WireJson.Options)) writeJson(w);
        buffer.Write("\n\n"u8);
        return buffer.WrittenMemory;
    }
}
