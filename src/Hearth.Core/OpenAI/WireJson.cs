using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hearth.Core.OpenAI;

/// <summary>How every response body is written: UTF-8 text as it is (no \uXXXX for quotes or non-ASCII), as OpenAI does.</summary>
public static class WireJson
{
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
