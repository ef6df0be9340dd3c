using Hearth.Core.OpenAI;

namespace Hearth.Server.Http;

/// <summary>Small helpers for writing JSON bodies and reading bounded request bodies.</summary>
static class HttpJson
{
    public static async Task Write(HttpResponse response, ReadOnlyMemory<byte> json, int status = 200)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(json);
    }

    public static Task Error(HttpResponse response, ApiException e)
    {
        if (e.RetryAfterSeconds is int s) response.Headers.RetryAfter = s.ToString();
        return Write(response, ErrorJson.ToUtf8(e), e.Status);
    }

    /// <summary>The whole body, refusing (413) anything over <paramref name="limit"/> bytes without reading it all.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadBody(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) throw ApiException.PayloadTooLarge(limit);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + n > limit) throw ApiException.PayloadTooLarge(limit);
            buffer.Write(chunk, 0, n);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
