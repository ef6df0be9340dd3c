using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Hearth.Client;

/// <summary>
/// Proxy mode: <see cref="IHearth"/> over HTTP to a running <c>hearth serve</c>. Chat goes to
/// <c>/v1/chat/completions</c> (conversation id in <c>x-conversation-id</c>, routing overrides in <c>x-hearth-route</c>);
/// models to <c>/v1/models</c>, <c>/v1/models/load</c>, <c>/v1/models/unload</c>; jobs to <c>/v1/jobs</c>; disk to <c>/v1/storage</c>.
/// </summary>
public sealed class HearthClient : OpenAICompatibleChatClient, IHearth
{
    /// <param name="serviceAddress">The service root, e.g. <c>http://127.0.0.1:11435/</c>.</param>
    /// <param name="apiKey">The service's key (HEARTH_API_KEY), when it has one.</param>
    public HearthClient(Uri serviceAddress, string? apiKey = null, string? defaultModel = "default", HttpClient? http = null)
        : base(new Uri(Root(serviceAddress), "v1/"), apiKey, defaultModel, http)
    {
    }

    static Uri Root(Uri u) => u.AbsoluteUri.EndsWith('/') ? u : new Uri(u.AbsoluteUri + "/");

    protected override void PrepareRequest(HttpRequestMessage request, ChatOptions? options)
    {
        if (options?.ConversationId is { } id) request.Headers.Add(HearthOptionKeys.ConversationHeader, id);
        if (options?.AdditionalProperties?.TryGetValue(HearthOptionKeys.RouteHeader, out var route) == true && route is string r)
            request.Headers.Add(HearthOptionKeys.RouteHeader, r);
    }

    protected override string? ConversationIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(HearthOptionKeys.ConversationHeader, out var v) ? v.FirstOrDefault() : null;

    /// <summary>Each update names the provider that answered (the service's x-hearth-provider header).</summary>
    protected override AdditionalPropertiesDictionary? ResponseProperties(HttpResponseMessage response) =>
        response.Headers.TryGetValues(HearthOptionKeys.ProviderHeader, out var v) && v.FirstOrDefault() is { } provider
            ? new() { [HearthOptionKeys.Provider] = provider } : null;

    public async Task<IReadOnlyList<HearthModel>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        using var doc = await GetJsonAsync("models", cancellationToken).ConfigureAwait(false);
        return [.. doc.RootElement.GetProperty("data").EnumerateArray().Select(ModelOf)];
    }

    static HearthModel ModelOf(JsonElement m)
    {
        ModelPrice? price = null;
        if (m.TryGetProperty("pricing", out var p) && p.ValueKind == JsonValueKind.Object)
            price = new ModelPrice(p.GetProperty("input_per_million").GetDouble(), p.GetProperty("output_per_million").GetDouble());
        return new HearthModel(
            m.GetProperty("id").GetString()!,
            Str(m, "provider") ?? "local",
            !m.TryGetProperty("local", out var local) || local.ValueKind != JsonValueKind.False,
            Bool(m, "loaded"), Bool(m, "cached"),
            Long(m, "size_bytes") ?? 0,
            (int?)Long(m, "context_window"),
            Str(m, "health"), price, Bool(m, "default"));
    }

    public IAsyncEnumerable<HearthProgress> PullAsync(string model, CancellationToken cancellationToken = default) =>
        PullJobs.PullAsync(this, model, cancellationToken);

    public async IAsyncEnumerable<HearthProgress> LoadAsync(string model, TimeSpan? keepAlive = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var body = keepAlive is { } k ? new { model, keep_alive = (long)k.TotalSeconds } : (object)new { model };
        using var response = await SendAsync(HttpMethod.Post, "models/load", body, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in SseLines.ReadAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            if (e.Data == "[DONE]") yield break;
            using var doc = JsonDocument.Parse(e.Data);
            var root = doc.RootElement;
            if (root.TryGetProperty("error", out var error)) throw OpenAIWire.ErrorOf(500, error);
            yield return new HearthProgress(Str(root, "phase") ?? "", Double(root, "progress"),
                Long(root, "bytes") ?? 0,
                Long(root, "total"), Str(root, "text"));
        }
        throw new IOException("The load stream ended before [DONE].");
    }

    public async Task<bool> UnloadAsync(string model, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "models/unload", new { model }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return Bool(doc.RootElement, "unloaded");
    }

    public async Task<bool> DeleteAsync(string model, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, "models/" + string.Join('/', model.Split('/').Select(Uri.EscapeDataString)), null,
            HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<HearthStorage> GetStorageAsync(CancellationToken cancellationToken = default)
    {
        using var doc = await GetJsonAsync("storage", cancellationToken).ConfigureAwait(false);
        var r = doc.RootElement;
        return new HearthStorage(Str(r, "path") ?? "", r.GetProperty("models").GetInt32(), r.GetProperty("used_bytes").GetInt64(),
            Long(r, "quota_bytes"), r.GetProperty("free_disk_bytes").GetInt64());
    }

    public async Task<HearthJob> StartPullJobAsync(string model, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "jobs", new { kind = "pull", model }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return JobOf(doc.RootElement);
    }

    public async Task<IReadOnlyList<HearthJob>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        using var doc = await GetJsonAsync("jobs", cancellationToken).ConfigureAwait(false);
        return [.. doc.RootElement.GetProperty("data").EnumerateArray().Select(JobOf)];
    }

    public Task<HearthJob?> GetJobAsync(string id, CancellationToken cancellationToken = default) =>
        JobOrNullAsync(HttpMethod.Get, id, cancellationToken);

    public Task<HearthJob?> CancelJobAsync(string id, CancellationToken cancellationToken = default) =>
        JobOrNullAsync(HttpMethod.Delete, id, cancellationToken);

    async Task<HearthJob?> JobOrNullAsync(HttpMethod method, string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, "jobs/" + Uri.EscapeDataString(id), null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return JobOf(doc.RootElement);
    }

    public async IAsyncEnumerable<HearthJob> WatchJobAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"jobs/{Uri.EscapeDataString(id)}/events", null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var e in SseLines.ReadAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            using var doc = JsonDocument.Parse(e.Data);
            var job = JobOf(doc.RootElement);
            yield return job;
            if (job.IsFinished) yield break;
        }
    }

    /// <summary>A job as the jobs API writes it (snake_case <c>JobInfo</c>).</summary>
    static HearthJob JobOf(JsonElement j)
    {
        HearthProgress? progress = null;
        if (j.TryGetProperty("progress", out var p) && p.ValueKind == JsonValueKind.Object)
            progress = new HearthProgress(Str(p, "phase") ?? "", Double(p, "progress"),
                Long(p, "bytes") ?? 0,
                Long(p, "total"), Str(p, "text"));
        return new HearthJob(Str(j, "id")!, Str(j, "kind") ?? "", Str(j, "subject") ?? "", (Str(j, "status") ?? "").ToLowerInvariant(), progress, Str(j, "error"));
    }

    async Task<JsonDocument> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseAddress, path));
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        Authorize(request);
        try { return await Http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false); }
        finally { if (completion == HttpCompletionOption.ResponseContentRead) request.Dispose(); }
    }

    static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    static long? Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;
    static double? Double(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
    static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}
