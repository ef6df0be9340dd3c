using System.Diagnostics;

namespace Hearth.Core.Models;

/// <summary>
/// Turns a stream of byte counts into <see cref="ProgressEvent"/>s with a smoothed speed and an ETA,
/// reporting at most every <see cref="Interval"/> so a fast download does not flood its listeners.
/// </summary>
public sealed class ProgressMeter
{
    readonly IProgress<ProgressEvent>? _sink;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    double _speed;            // exponentially smoothed bytes per second
    long _lastBytes = -1;
    TimeSpan _lastSample;
    TimeSpan _lastReport = TimeSpan.MinValue;

    public ProgressMeter(IProgress<ProgressEvent>? sink) => _sink = sink;

    public static TimeSpan Interval { get; } = TimeSpan.FromMilliseconds(200);

    public double ElapsedSeconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Reports a phase change or a one-off message at once.</summary>
    public void Report(string phase, long bytes = 0, long? total = null, string? text = null)
    {
        _lastBytes = -1;
        _speed = 0;
        _lastReport = _clock.Elapsed;
        _sink?.Report(new ProgressEvent(phase, bytes, total, 0, null, ElapsedSeconds, text));
    }

    /// <summary>Updates the byte count; reports when the interval has passed or the phase is complete.</summary>
    public void Advance(string phase, long bytes, long? total, string? text = null)
    {
        var now = _clock.Elapsed;
        if (_lastBytes >= 0 && now > _lastSample)
        {
            var instant = (bytes - _lastBytes) / (now - _lastSample).TotalSeconds;
            _speed = _speed == 0 ? instant : 0.7 * _speed + 0.3 * instant;
        }
        if (_lastBytes < 0 || now - _lastSample >= TimeSpan.FromMilliseconds(100))
        {
            _lastBytes = bytes;
            _lastSample = now;
        }
        var finished = total is { } t && bytes >= t;
        if (!finished && now - _lastReport < Interval) return;
        _lastReport = now;
        double? eta = total is { } all && _speed > 0 ? Math.Max(0, (all - bytes) / _speed) : null;
        _sink?.Report(new ProgressEvent(phase, bytes, total, Math.Max(0, _speed), eta, ElapsedSeconds, text));
    }
}
