using System.Text.Json;

namespace Hearth.Core.OpenAI;

/// <summary>Writes <see cref="ApiException"/>s as OpenAI error bodies.</summary>
public static class ErrorJson
{
    public static byte[] ToUtf8(ApiException e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            w.WriteStartObject();
            Write(w, e);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Writes the <c>"error": {...}</c> property into an open object.</summary>
    public static void Write(Utf8JsonWriter w, ApiException e)
    {
        w.WriteStartObject("error");
        w.WriteString("message", e.Message);
        w.WriteString("type", e.Type);
        if (e.Param is null) w.WriteNull("param"); else w.WriteString("param", e.Param);
        if (e.Code is null) w.WriteNull("code"); else w.WriteString("code", e.Code);
        w.WriteEndObject();
    }
}
