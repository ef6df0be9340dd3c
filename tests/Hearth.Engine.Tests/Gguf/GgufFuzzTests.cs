using Hearth.Engine.Gguf;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Gguf;

/// <summary>
/// Mutation fuzzer over GGUF headers: every mutated input must parse or fail with GgufFormatException,
/// quickly. The default count keeps the suite fast; set HEARTH_FUZZ_ITERATIONS for a long run.
/// </summary>
public class GgufFuzzTests
{
    [Fact]
    public void Mutated_files_only_ever_fail_with_format_exceptions()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable("HEARTH_FUZZ_ITERATIONS"), out var n) ? n : 3000;
        var seeds = new List<byte[]> { GgufTestFiles.Small(), File.ReadAllBytes(TestModels.Path("stories260K.gguf"))[..16384] };
        // stories260K's header ends at 14176; cutting the data keeps each parse cheap and makes tensor bounds part of the test.
        var result = GgufFuzzer.Run(seeds, iterations, seed: 12345);
        Assert.True(result.Unexpected.Count == 0, string.Join("\n", result.Unexpected.Take(5)));
        Assert.Equal(iterations, result.Parsed + result.Rejected);
        // The fuzzer must reach both outcomes, or it is not exercising the parser.
        Assert.True(result.Parsed > 0 && result.Rejected > 0, $"parsed {result.Parsed}, rejected {result.Rejected}");
        Console.WriteLine($"GGUF fuzz: {iterations} inputs, {result.Parsed} parsed, {result.Rejected} rejected, slowest {result.SlowestMs:F1} ms");
    }
}

internal static class GgufFuzzer
{
    public sealed record Result(int Parsed, int Rejected, List<string> Unexpected, double SlowestMs);

    public static Result Run(IReadOnlyList<byte[]> seeds, int iterations, int seed)
    {
        var rng = new Random(seed);
        int parsed = 0, rejected = 0;
        double slowest = 0;
        var unexpected = new List<string>();
        for (int i = 0; i < iterations; i++)
        {
            var input = Mutate(seeds[rng.Next(seeds.Count)], rng);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var e = GgufTestFiles.TryParse(input);
            slowest = Math.Max(slowest, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (e is null) parsed++;
            else if (e is GgufFormatException) rejected++;
            else unexpected.Add($"input {i}: {e.GetType().Name}: {e.Message}");
        }
        return new Result(parsed, rejected, unexpected, slowest);
    }

    static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = (byte[])seed.Clone();
        int header = Math.Min(b.Length, 16384);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int at = rng.Next(header);
            switch (rng.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;                 // bit flip
                case 1: b[at] = (byte)rng.Next(256); break;                         // random byte
                case 2: b[at] = rng.Next(2) == 0 ? (byte)0xFF : (byte)0; break;     // extreme byte
                case 3:                                                             // extreme u64 (lengths, counts, dims, offsets)
                    if (at + 8 <= b.Length) BitConverter.TryWriteBytes(b.AsSpan(at), rng.Next(3) switch { 0 => ulong.MaxValue, 1 => 1UL << rng.Next(64), _ => (ulong)rng.Next(1 << 20) });
                    break;
                case 4: return b[..rng.Next(b.Length)];                             // truncation
                case 5:                                                             // small u32 (types, n_dims)
                    if (at + 4 <= b.Length) BitConverter.TryWriteBytes(b.AsSpan(at), (uint)rng.Next(40));
                    break;
            }
        }
        return b;
    }
}
