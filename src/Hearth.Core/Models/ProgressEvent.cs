namespace Hearth.Core.Models;

/// <summary>Names of the steps a pull or load goes through, as they appear in <see cref="ProgressEvent.Phase"/>.</summary>
public static class ProgressPhase
{
    public const string Resolving = "resolving";
    public const string Evicting = "evicting";
    public const string Downloading = "downloading";
    public const string Retrying = "retrying";
    public const string Verifying = "verifying";
    public const string Loading = "loading";
    public const string Done = "done";
}

/// <summary>
/// One progress report, shared by the CLI progress bar, the <c>/v1/models/load</c> SSE stream and the jobs API.
/// </summary>
/// <param name="Phase">One of <see cref="ProgressPhase"/>.</param>
/// <param name="Bytes">Bytes done so far in this phase (for a download: bytes on disk, resumed bytes included).</param>
/// <param name="Total">Bytes this phase will reach, when known.</param>
/// <param name="BytesPerSecond">Recent speed of this phase; 0 when idle or unknown.</param>
/// <param name="EtaSeconds">Seconds left at the recent speed, when it can be told.</param>
/// <param name="ElapsedSeconds">Seconds since the operation began.</param>
/// <param name="Text">A line for people: which file, what was evicted, why a retry happened.</param>
public sealed record ProgressEvent(
    string Phase,
    long Bytes = 0,
    long? Total = null,
    double BytesPerSecond = 0,
    double? EtaSeconds = null,
    double ElapsedSeconds = 0,
    string? Text = null)
{
    /// <summary>Fraction done, 0..1, when the total is known.</summary>
    public double? Progress => Total is > 0 ? Math.Clamp((double)Bytes / Total.Value, 0, 1) : null;
}
