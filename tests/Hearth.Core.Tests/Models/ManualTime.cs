namespace Hearth.Core.Tests.Models;

/// <summary>A clock tests move by hand; timers still run on real time (tests call the sweep themselves).</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    DateTimeOffset _now = start;

    public ManualTime() : this(new DateTimeOffset(2026, 1, 15, 12, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
