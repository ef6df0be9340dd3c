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

    /// <summary>Bodies up to this much over the limit are read and dropped before the 413, so the client hears it.</summary>
    const long DrainBytes = 8 * 1024 * 1024;

    /// <summary>The whole body, refusing (413) anything over <paramref name="limit"/> bytes without keeping it.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadBody(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            // Answering while the client still sends would close a socket with unread data: a reset, not a 413.
            if (request.ContentLength <= limit + DrainBytes
                && request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limit + DrainBytes;
                await request.Body.CopyToAsync(Stream.Null, cancellationToken);
            }
            throw ApiException.PayloadTooLarge(limit);
        }
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
