using System.Text.Json;

namespace Hearth.Core.OpenAI;

/// <summary>Bodies of <c>POST /v1/conversations</c> and <c>PATCH /v1/conversations/{id}</c>: title, model, metadata.</summary>
public sealed record ConversationPatch(string? Title, string? Model, string? Metadata)
{
    public static ConversationPatch Parse(ReadOnlyMemory<byte> body, bool allowModel)
    {
        if (body.IsEmpty) return new(null, null, null);
        using var doc = ChatRequestParser.ParseJson(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw ApiException.InvalidRequest("The request body must be a JSON object.", null, "invalid_json");
        string? title = null, model = null, metadata = null;
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            switch (p.Name)
            {
                case "title":
                    title = ChatRequestParser.String(p.Value, "title");
                    if (title.Length > 1000) throw ApiException.InvalidValue("title", "at most 1000 characters.");
                    break;
                case "model" when allowModel: model = ChatRequestParser.String(p.Value, "model"); break;
                case "metadata":
                    if (p.Value.ValueKind != JsonValueKind.Object) throw ApiException.InvalidType("metadata", "an object");
                    metadata = p.Value.GetRawText();
                    break;
                default: throw ApiException.Unsupported(p.Name, "conversations have title, model and metadata.");
            }
        }
        return new(title, model, metadata);
    }
}
