using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Hearth.Core.Models;

/// <summary>What the Hub says about one file before we fetch it.</summary>
/// <param name="Size">File size in bytes (X-Linked-Size, else Content-Length), when published.</param>
/// <param name="Sha256">The LFS sha256 from X-Linked-Etag, when it is one.</param>
/// <param name="ETag">The version tag a partial download is tied to; a changed tag means start over.</param>
public sealed record HubFileInfo(string Repo, string Revision, string File, long? Size, string? Sha256, string? ETag);

/// <summary>
/// Talks to the Hugging Face Hub (or any server with its <c>resolve</c> layout): file metadata, ranged downloads,
/// repository listings. Redirects are followed here, not by the handler, so that the token goes only to the Hub
/// and the X-Linked-* headers of the first hop are not lost.
/// </summary>
public sealed class HubClient
{
    const int MaxRedirects = 10;
    readonly HttpClient _http;
    readonly Uri _endpoint;
    readonly string? _token;

    public HubClient(HttpClient http, Uri endpoint, string? token)
    {
        _http = http;
        _endpoint = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
        _token = token;
    }

    public Uri Endpoint => _endpoint;

    /// <summary>An HttpClient fit for large downloads: no automatic redirects, no overall timeout (stalls are caught per read).</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    public Uri ResolveUrl(string repo, string revision, string file)
    {
        var path = string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
        return new Uri(_endpoint, $"{repo}/resolve/{Uri.EscapeDataString(revision)}/{path}");
    }

    /// <summary>HEAD on the resolve URL: size, sha256 and version tag of one file.</summary>
    public async Task<HubFileInfo> GetFileInfoAsync(string repo, string revision, string file, CancellationToken ct = default)
    {
        // Like huggingface_hub: stop at the redirect to the CDN once the Hub has told us size and hash.
        using var response = await SendAsync(HttpMethod.Head, ResolveUrl(repo, revision, file), null, $"{repo}/{file}", ct,
            stopAt: r => r.Headers.Contains("X-Linked-Size")).ConfigureAwait(false);
        var first = response.FirstHop;
        var linkedEtag = Header(first, "X-Linked-Etag") ?? Header(response.Final, "X-Linked-Etag");
        var etag = NormalizeEtag(linkedEtag ?? Header(first, "ETag") ?? response.Final.Headers.ETag?.Tag);
        long? size = long.TryParse(Header(first, "X-Linked-Size") ?? Header(response.Final, "X-Linked-Size"), out var linked) ? linked
            : response.Final.Content.Headers.ContentLength;
        var sha = linkedEtag is not null && IsSha256(NormalizeEtag(linkedEtag)) ? NormalizeEtag(linkedEtag) : null;
        return new HubFileInfo(repo, revision, file, size, sha, etag);
    }

    /// <summary>GET from <paramref name="offset"/> to the end; the caller owns (and disposes) the response.</summary>
    public async Task<HttpResponseMessage> GetFromAsync(string repo, string revision, string file, long offset, CancellationToken ct = default)
    {
        var response = await SendAsync(HttpMethod.Get, ResolveUrl(repo, revision, file), offset, $"{repo}/{file}", ct).ConfigureAwait(false);
        response.DisposeHops();
        return response.Final;
    }

    /// <summary>The file names in a repository at a revision (the Hub's <c>/api/models/{repo}/revision/{revision}</c>).</summary>
    public async Task<IReadOnlyList<string>> ListFilesAsync(string repo, string revision, CancellationToken ct = default)
    {
        var url = new Uri(_endpoint, $"api/models/{repo}/revision/{Uri.EscapeDataString(revision)}");
        using var response = await SendAsync(HttpMethod.Get, url, null, repo, ct).ConfigureAwait(false);
        await using var body = await response.Final.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: ct).ConfigureAwait(false);
        if (!doc.RootElement.TryGetProperty("siblings", out var siblings) || siblings.ValueKind != JsonValueKind.Array)
            return [];
        return siblings.EnumerateArray()
            .Select(s => s.TryGetProperty("rfilename", out var name) ? name.GetString() : null)
            .OfType<string>().ToList();
    }

    /// <summary>Sends a request, following redirects by hand; fails with a typed error on 401/403/404.</summary>
    async Task<HopResponse> SendAsync(HttpMethod method, Uri url, long? rangeFrom, string what, CancellationToken ct,
        Func<HttpResponseMessage, bool>? stopAt = null)
    {
        HttpResponseMessage? first = null;
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            using var request = new HttpRequestMessage(method, url);
            if (_token is not null && SameOrigin(url, _endpoint))
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            if (rangeFrom is > 0) request.Headers.Range = new RangeHeaderValue(rangeFrom, null);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
            {
                var next = location.IsAbsoluteUri ? location : new Uri(url, location);
                if (stopAt?.Invoke(response) == true && !SameOrigin(next, url))
                    return new HopResponse(first ?? response, response);
                if (first is null) first = response; else response.Dispose();
                url = next;
                continue;
            }
            try { ThrowOnError(response, what); }
            catch { first?.Dispose(); response.Dispose(); throw; }
            return new HopResponse(first ?? response, response);
        }
        first?.Dispose();
        throw new ModelDownloadException($"Too many redirects fetching {what} from {_endpoint}.");
    }

    void ThrowOnError(HttpResponseMessage response, string what)
    {
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                throw new ModelNotFoundException($"{what} was not found on {_endpoint} (check the repository and file names).");
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw new ModelAccessDeniedException(_token is null
                    ? $"{what} is gated or private on {_endpoint}: accept its license on the Hub and set HF_TOKEN."
                    : $"{what} refused the token in HF_TOKEN: check that it has read access and that the license is accepted.");
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                return; // the caller decides: the partial file is already complete or is bigger than the file
        }
        if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
            throw new HttpRequestException($"{what}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        if (!response.IsSuccessStatusCode)
            throw new ModelDownloadException($"{what}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
    }

    static bool IsRedirect(HttpStatusCode code) => code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    static string? NormalizeEtag(string? etag) =>
        etag is null ? null : (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag).Trim('"');

    internal static bool IsSha256(string? s) => s is { Length: 64 } && s.All(Uri.IsHexDigit);

    /// <summary>The first hop (which carries the Hub's X-Linked-* headers) and the final response.</summary>
    sealed record HopResponse(HttpResponseMessage FirstHop, HttpResponseMessage Final) : IDisposable
    {
        public void DisposeHops() { if (!ReferenceEquals(FirstHop, Final)) FirstHop.Dispose(); }
        public void Dispose() { DisposeHops(); Final.Dispose(); }
    }
}
