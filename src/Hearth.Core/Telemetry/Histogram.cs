namespace Hearth.Core.Telemetry;

/// <summary>A Prometheus histogram: cumulative bucket counts, sum and count. Thread-safe.</summary>
public sealed class Histogram(string name, string help, double[] bounds)
{
    readonly long[] _counts = new long[bounds.Length + 1];
    double _sum;
    long _count;
    readonly Lock _lock = new();

    public void Observe(double value)
    {
        lock (_lock)
        {
            var i = 0;
            while (i < bounds.Length && value > bounds[i]) i++;
            _counts[i]++;
            _sum += value;
            _count++;
        }
    }

    public long Count { get { lock (_lock) return _count; } }

    public void Write(TextWriter w)
    {
        lock (_lock)
        {
            w.Write($"# HELP {name} {help}\n# TYPE {name} histogram\n");
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += _counts[i];
                w.Write($"{name}_bucket{{le=\"{Prometheus.Number(bounds[i])}\"}} {cumulative}\n");
            }
            w.Write($"{name}_bucket{{le=\"+Inf\"}} {_count}\n{name}_sum {Prometheus.Number(_sum)}\n{name}_count {_count}\n");
        }
    }
}
