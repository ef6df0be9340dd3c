namespace Hearth.Core.Models;

/// <summary>
/// How much memory a model needs and how much this machine has free. Needed = weights + KV cache at the chosen
/// context (layers × context × kv heads × head dim × 2 for K and V × bytes per element) + scratch buffers.
/// </summary>
public static class MemoryEstimate
{
    /// <summary>KV cache elements are f16 unless the engine says otherwise.</summary>
    public const int KvBytesPerElement = 2;

    public static long KvCache(ModelShape shape, int contextLength, int bytesPerElement = KvBytesPerElement) =>
        (long)shape.Layers * contextLength * shape.KvHeads * shape.HeadDim * 2 * bytesPerElement;

    /// <summary>Activations and logits: a few context-by-embedding buffers plus a floor.</summary>
    public static long Scratch(ModelShape shape, int contextLength) =>
        64L * 1024 * 1024 + 4L * Math.Min(contextLength, 512) * shape.EmbeddingLength * 4;

    public static long Total(long weightBytes, ModelShape shape, int contextLength) =>
        weightBytes + KvCache(shape, contextLength) + Scratch(shape, contextLength);

    /// <summary>Memory the OS could give us now: MemAvailable on Linux, the GC's view elsewhere.</summary>
    public static long AvailableBytes()
    {
        if (OperatingSystem.IsLinux() && ReadMemAvailable() is { } available) return available;
        var info = GC.GetGCMemoryInfo();
        return Math.Max(0, info.TotalAvailableMemoryBytes - info.MemoryLoadBytes);
    }

    static long? ReadMemAvailable()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1]) * 1024; // kB
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
