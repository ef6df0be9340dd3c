using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Hearth.Core.Telemetry;

/// <summary>
/// Names OpenTelemetry listens to: traces from <see cref="Source"/> ("Hearth"), metrics from <see cref="Meter"/> ("Hearth").
/// <c>AddSource("Hearth")</c> / <c>AddMeter("Hearth")</c> in an OpenTelemetry setup collects them.
/// </summary>
public static class HearthTelemetry
{
    public const string Name = "Hearth";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);
}
