using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hearth.Core.Tests.Models;

/// <summary>
/// A local stand-in for the Hugging Face Hub on 127.0.0.1: <c>/{repo}/resolve/{rev}/{file}</c> answers 302 with
/// X-Linked-Etag / X-Linked-Size to a CDN-like path on a second port, which serves Range requests with an ETag.
/// Knobs let tests cut connections, throttle, corrupt bodies, ignore Range and require a token.
/// </summary>
public sealed class FakeHub : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentDictionary<string, HubFile> _files = new(StringComparer.Ordinal);
    int _cdnGets, _activeCdn, _maxActiveCdn, _resolves, _cdnRequests;

    public sealed record HubFile(string Repo, string File, byte[] Content, string Sha256);

    /// <summary>One CDN GET: its number (1-based), where it started and how many bytes it sent.</summary>
    public sealed class CdnGet(int number, string file, long from)
    {
        public int Number { get; } = number;
        public string File { get; } = file;
        public long From { get; set; } = from;
        public long Sent { get; set; }
    }

    FakeHub(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;
    int CdnPort { get; set; }

    /// <summary>Given (GET number, start offset, file length): bytes to send before dropping the connection; null sends everything.</summary>
    public Func<int, long, long, long?>? CutAfter { get; set; }

    /// <summary>Given the GET number: whether to flip a byte of this body.</summary>
    public Func<int, bool>? Corrupt { get; set; }

    /// <summary>Bytes per second per connection; 0 is unthrottled.</summary>
    public long BytesPerSecond { get; set; }

    /// <summary>Given the resolve request number (HEAD or GET, 1-based): a status to answer instead, 0 to drop the connection; null answers normally.</summary>
    public Func<int, int?>? FailResolve { get; set; }

    /// <summary>Given the CDN GET number (1-based, failed ones included): a status to answer instead, 0 to drop the connection.</summary>
    public Func<int, int?>? FailCdn { get; set; }

    /// <summary>Given the CDN GET number: whether to answer a Range request with 206 but bytes from the start (a broken proxy).</summary>
    public Func<int, bool>? MisplaceRange { get; set; }

    /// <summary>Asked for every repository listing: true answers 503.</summary>
    public Func<bool>? FailListing { get; set; }

    public bool IgnoreRange { get; set; }
    public string? RequiredToken { get; set; }

    /// <summary>A sha256 to publish instead of the real one (to show that a wrong hash is refused).</summary>
    public string? PublishSha256 { get; set; }

    public ConcurrentQueue<CdnGet> Gets { get; } = new();
    public ConcurrentQueue<(string Path, string? Authorization)> Requests { get; } = new();
    public int MaxConcurrentCdnGets => _maxActiveCdn;

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0", "http://127.0.0.1:0");
        var app = builder.Build();
        var hub = new FakeHub(app);
        app.Use(async (ctx, next) =>
        {
            hub.Requests.Enqueue((ctx.Request.Path.Value!, ctx.Request.Headers.Authorization.FirstOrDefault()));
            await next();
        });
        app.MapMethods("/{owner}/{repo}/resolve/{rev}/{**file}", ["GET", "HEAD"], (HttpContext ctx, string owner, string repo, string rev, string file) => hub.Resolve(ctx, owner + "/" + repo, file));
        app.MapMethods("/cdn/{owner}/{repo}/{**file}", ["GET", "HEAD"], (HttpContext ctx, string owner, string repo, string file) => hub.ServeAsync(ctx, owner + "/" + repo, file));
        app.MapGet("/api/models/{owner}/{repo}/revision/{rev}", (string owner, string repo) => hub.FailListing?.Invoke() == true
            ? Results.StatusCode(503)
            : Results.Json(new { siblings = hub._files.Values.Where(f => f.Repo == owner + "/" + repo).Select(f => new { rfilename = f.File }) }));
        await app.StartAsync();
        var urls = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        hub.Endpoint = urls[0];
        hub.CdnPort = urls[1].Port;
        return hub;
    }

    public HubFile AddFile(string repo, string file, byte[] content)
    {
        var f = new HubFile(repo, file, content, Convert.ToHexStringLower(SHA256.HashData(content)));
        _files[repo + "/" + file] = f;
        return f;
    }

    public HubFile AddFileFrom(string repo, string file, string path) => AddFile(repo, file, File.ReadAllBytes(path));

    public int FullGets(string file) => Gets.Count(g => g.File == file && g.From == 0);

    IResult Resolve(HttpContext ctx, string repo, string file)
    {
        if (FailResolve?.Invoke(Interlocked.Increment(ref _resolves)) is { } failure) return Fail(ctx, failure);
        if (RequiredToken is not null && ctx.Request.Headers.Authorization != "Bearer " + RequiredToken)
            return Results.StatusCode(401);
        if (!_files.TryGetValue(repo + "/" + file, out var f)) return Results.NotFound();
        ctx.Response.Headers["X-Linked-Etag"] = $"\"{PublishSha256 ?? f.Sha256}\"";
        ctx.Response.Headers["X-Linked-Size"] = f.Content.Length.ToString();
        ctx.Response.Headers.ETag = "\"pointer-" + f.Sha256[..8] + "\"";
        ctx.Response.Headers["X-Repo-Commit"] = "0123456789abcdef0123456789abcdef01234567";
        return Results.Redirect($"http://127.0.0.1:{CdnPort}/cdn/{repo}/{file}?signature=abc");
    }

    async Task ServeAsync(HttpContext ctx, string repo, string file)
    {
        if (!_files.TryGetValue(repo + "/" + file, out var f)) { ctx.Response.StatusCode = 404; return; }
        if (HttpMethods.IsHead(ctx.Request.Method))
        {
            ctx.Response.ContentLength = f.Content.Length;
            ctx.Response.Headers.AcceptRanges = "bytes";
            return;
        }
        if (FailCdn?.Invoke(Interlocked.Increment(ref _cdnRequests)) is { } failure)
        {
            await Fail(ctx, failure).ExecuteAsync(ctx);
            return;
        }
        var number = Interlocked.Increment(ref _cdnGets);
        var active = Interlocked.Increment(ref _activeCdn);
        InterlockedMax(ref _maxActiveCdn, active);
        long from = 0, sent = 0;
        var record = new CdnGet(number, file, 0);
        Gets.Enqueue(record);
        try
        {
            var content = f.Content;
            if (Corrupt?.Invoke(number) == true)
            {
                content = (byte[])content.Clone();
                content[content.Length / 2] ^= 0x5a;
            }
            var range = ctx.Request.GetTypedHeaders().Range;
            if (!IgnoreRange && range?.Ranges.FirstOrDefault()?.From is { } start)
            {
                if (start >= content.Length)
                {
                    ctx.Response.StatusCode = 416;
                    ctx.Response.Headers.ContentRange = $"bytes */{content.Length}";
                    return;
                }
                from = MisplaceRange?.Invoke(number) == true ? 0 : start;
                record.From = from;
                ctx.Response.StatusCode = 206;
                ctx.Response.Headers.ContentRange = $"bytes {from}-{content.Length - 1}/{content.Length}";
            }
            ctx.Response.Headers.ETag = "\"cdn-" + f.Sha256[..16] + "\"";
            ctx.Response.Headers.AcceptRanges = "bytes";
            ctx.Response.ContentLength = content.Length - from;
            var cut = CutAfter?.Invoke(number, from, content.Length);
            const int chunk = 16 * 1024;
            for (var pos = from; pos < content.Length; pos += chunk)
            {
                var n = (int)Math.Min(chunk, content.Length - pos);
                if (cut is { } c && sent + n > c) n = (int)Math.Max(0, c - sent);
                if (n > 0) await ctx.Response.Body.WriteAsync(content.AsMemory((int)pos, n), ctx.RequestAborted);
                sent += n;
                record.Sent = sent;
                if (cut is { } limit && sent >= limit)
                {
                    await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
                    ctx.Abort();
                    return;
                }
                if (BytesPerSecond > 0 && pos + n < content.Length) await Task.Delay(TimeSpan.FromSeconds((double)n / BytesPerSecond), ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        finally
        {
            Interlocked.Decrement(ref _activeCdn);
        }
    }

    static IResult Fail(HttpContext ctx, int status)
    {
        if (status != 0) return Results.StatusCode(status);
        ctx.Abort();
        return Results.Empty;
    }

    static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
