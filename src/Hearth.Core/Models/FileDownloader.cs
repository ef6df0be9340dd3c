using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace Hearth.Core.Models;

/// <summary>A file that reached its final name: complete and, where a hash was known, verified.</summary>
public sealed record DownloadedFile(string Path, long Size, string Sha256, bool Verified);

/// <summary>
/// Fetches one Hub file to a path. Bytes go to <c>PATH.partial</c>, which survives dropped connections, crashes and
/// restarts: every attempt continues from its length with an HTTP Range request. The finished file is checked
/// against the expected sha256 and only then renamed to PATH, so PATH never names an incomplete or corrupt file.
/// </summary>
public sealed class FileDownloader(HubClient hub, ModelOptions options)
{
    const int BufferSize = 1 << 20;

    public static string PartialPath(string destination) => destination + ".partial";
    static string StatePath(string destination) => destination + ".partial.json";

    /// <summary>Downloads (or resumes) <paramref name="info"/> into <paramref name="destination"/>.</summary>
    /// <param name="expectedSha256">The catalog's hash; when null the Hub's X-Linked-Etag is used, if it published one.</param>
    public async Task<DownloadedFile> DownloadAsync(HubFileInfo info, string destination, string? expectedSha256,
        ProgressMeter meter, CancellationToken ct = default)
    {
        var expected = (expectedSha256 ?? info.Sha256)?.ToLowerInvariant();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
        if (expected is not null && await IsAlreadyThereAsync(destination, info.Size, expected, meter, ct).ConfigureAwait(false))
            return new DownloadedFile(destination, new FileInfo(destination).Length, expected, Verified: true);
        for (var round = 1; ; round++)
        {
            PreparePartial(info, destination, expected);
            var (sha, size) = await FetchAsync(info, destination, meter, ct).ConfigureAwait(false);
            if (expected is null || sha == expected)
            {
                File.Move(PartialPath(destination), destination, overwrite: true);
                File.Delete(StatePath(destination));
                return new DownloadedFile(destination, size, sha, expected is not null);
            }
            File.Delete(PartialPath(destination));
            File.Delete(StatePath(destination));
            if (round >= 2)
                throw new ModelIntegrityException(
                    $"{info.Repo}/{info.File}: sha256 is {sha} but {expected} was published; fetched twice, wrong both times, deleted.");
            meter.Report(ProgressPhase.Retrying, 0, info.Size,
                $"{info.File}: sha256 mismatch (got {sha[..12]}…, expected {expected[..12]}…); deleted, fetching again");
        }
    }

    /// <summary>
    /// A process killed between the rename and the index update leaves a complete file that no index knows: keep it
    /// if its hash proves it, rather than fetching it again. Without a hash to check, it is fetched again.
    /// </summary>
    static async Task<bool> IsAlreadyThereAsync(string destination, long? size, string expected, ProgressMeter meter, CancellationToken ct)
    {
        var file = new FileInfo(destination);
        if (!file.Exists || (size is { } s && file.Length != s)) return false;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var stream = new FileStream(destination, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            await HashPrefixAsync(stream, file.Length, hash, buffer, meter, ct).ConfigureAwait(false);
        }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
        return Convert.ToHexStringLower(hash.GetCurrentHash()) == expected;
    }

    /// <summary>Keeps a partial file only if it belongs to the same version of the same file.</summary>
    static void PreparePartial(HubFileInfo info, string destination, string? expected)
    {
        var state = new PartialState(info.ETag, info.Size, expected);
        var statePath = StatePath(destination);
        PartialState? saved = null;
        try { saved = File.Exists(statePath) ? JsonSerializer.Deserialize<PartialState>(File.ReadAllText(statePath)) : null; }
        catch (JsonException) { }
        if (saved != state)
        {
            File.Delete(PartialPath(destination));
            File.WriteAllText(statePath, JsonSerializer.Serialize(state));
        }
    }

    /// <summary>Resume loop: returns the sha256 and size of the complete partial file.</summary>
    async Task<(string Sha, long Size)> FetchAsync(HubFileInfo info, string destination, ProgressMeter meter, CancellationToken ct)
    {
        var partialPath = PartialPath(destination);
        IncrementalHash? hash = null;
        long hashed = -1;
        var failures = 0;
        var delay = options.RetryDelay;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                long offset = 0, before = 0;
                long? total = info.Size;
                try
                {
                    await using var file = new FileStream(partialPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
                    offset = before = file.Length;
                    if (info.Size is { } size && offset > size) { file.SetLength(0); offset = before = 0; }
                    if (hash is null || hashed != offset)
                    {
                        // a fresh start or a resume after a restart: the hash must cover the bytes already on disk
                        hash?.Dispose();
                        hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                        await HashPrefixAsync(file, offset, hash, buffer, meter, ct).ConfigureAwait(false);
                        hashed = offset;
                    }
                    if (info.Size is { } known && offset == known)
                        return (Convert.ToHexStringLower(hash.GetCurrentHash()), offset);

                    using var response = await hub.GetFromAsync(info.Repo, info.Revision, info.File, offset, ct).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
                    {
                        if (info.Size is null && offset > 0) return (Convert.ToHexStringLower(hash.GetCurrentHash()), offset);
                        file.SetLength(0);
                        throw new IOException($"{info.File}: the server refused to resume at byte {offset}; starting over.");
                    }
                    if (offset > 0 && response.StatusCode != HttpStatusCode.PartialContent)
                    {
                        // the server ignored the Range header: start over with its full body
                        file.SetLength(0);
                        offset = 0;
                        hash.Dispose();
                        hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                        hashed = 0;
                    }
                    else if (offset > 0 && response.Content.Headers.ContentRange?.From != offset)
                        throw new IOException($"{info.File}: asked for bytes from {offset}, got {response.Content.Headers.ContentRange}.");
                    total = info.Size ?? (response.Content.Headers.ContentLength is { } length ? offset + length : null);
                    file.Position = offset;

                    await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    while (true)
                    {
                        var n = await ReadWithStallTimeoutAsync(body, buffer, ct).ConfigureAwait(false);
                        if (n == 0) break;
                        await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                        hash.AppendData(buffer, 0, n);
                        hashed += n;
                        offset += n;
                        meter.Advance(ProgressPhase.Downloading, offset, total, info.File);
                    }
                    if (total is { } expectedSize && offset != expectedSize)
                    {
                        if (offset > expectedSize) { file.SetLength(0); hashed = -1; }
                        throw new IOException($"{info.File}: connection ended at byte {offset} of {expectedSize}.");
                    }
                    file.Flush(flushToDisk: true);
                    return (Convert.ToHexStringLower(hash.GetCurrentHash()), offset);
                }
                catch (IOException e) when (IsDiskFull(e))
                {
                    throw new ModelStorageException($"{info.File}: the disk is full ({offset} bytes kept for next time); free some space or lower HEARTH_MODELS_QUOTA.");
                }
                catch (Exception e) when (Transient.IsTransient(e) && !ct.IsCancellationRequested)
                {
                    failures = offset > before ? 1 : failures + 1;
                    if (offset > before) delay = options.RetryDelay;
                    if (failures >= options.MaxAttemptsWithoutProgress)
                        throw new ModelDownloadException(
                            $"{info.Repo}/{info.File}: gave up after {failures} attempts without progress ({offset} bytes kept for next time): {e.Message}", e);
                    meter.Report(ProgressPhase.Retrying, offset, total, $"{info.File}: {e.Message} Resuming in {delay.TotalSeconds:0.#}s.");
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));
                }
            }
        }
        finally
        {
            hash?.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    async Task<int> ReadWithStallTimeoutAsync(Stream body, byte[] buffer, CancellationToken ct)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(options.StallTimeout);
        try { return await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new IOException($"no data for {options.StallTimeout.TotalSeconds:0}s.");
        }
    }

    static async Task HashPrefixAsync(FileStream file, long length, IncrementalHash hash, byte[] buffer, ProgressMeter meter, CancellationToken ct)
    {
        if (length == 0) return;
        file.Position = 0;
        long done = 0;
        while (done < length)
        {
            var n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done)), ct).ConfigureAwait(false);
            if (n == 0) throw new IOException("the partial file shrank while it was being read.");
            hash.AppendData(buffer, 0, n);
            done += n;
            meter.Advance(ProgressPhase.Verifying, done, length, "checking the bytes already on disk");
        }
    }

    // ENOSPC (28) / EDQUOT (122) on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows: retrying will not help.
    static bool IsDiskFull(IOException e) =>
        OperatingSystem.IsWindows() ? (uint)e.HResult is 0x80070070 or 0x80070027 : e.HResult is 28 or 122;

    sealed record PartialState(string? ETag, long? Size, string? Sha256);
}
