using System.Text.Json;
using Hearth.Engine.Gguf;
using Hearth.Engine.Models;
using Xunit.Abstractions;

namespace Hearth.Engine.Tests.Models;

/// <summary>
/// qwen3, phi3 and gemma2 against llama.cpp: tiny F32 models with seeded random weights (Fixtures/architectures, written
/// by <c>Hearth.Bench gen-arch</c>) and llama.cpp's output on them (same folder, from bench/llama-reference). What each
/// checks: qwen3 its q/k head norms; phi3 the fused attn_qkv and gate|up tensors and LongRoPE (the 40-token prompt runs
/// in a 512 context, past the original 256: long factors; the 7-token one in 256: short factors; attn_factor 1.19);
/// gemma2 the scaled embeddings, GeGLU, post norms, attention and final soft-capping (caps 2 and 3, low enough to
/// bend these logits) and the sliding window of 8 on even layers (the 40-token prompt outruns it). A third prompt of
/// 100 tokens takes the tiled attention of batches of 64 rows or more (with gemma2's window and cap inside its tiles).
/// The tolerance is the F32 one of <see cref="ReferenceLogitsTests"/>: summation order differs from llama.cpp's, which
/// now and then flips the F16 rounding of a cached K/V element.
/// </summary>
public class ArchitectureReferenceTests(ITestOutputHelper output)
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "architectures", name);

    [Theory]
    [InlineData("tiny-qwen3-f32", "qwen3")]
    [InlineData("tiny-phi3-f32", "phi3")]
    [InlineData("tiny-gemma2-f32", "gemma2")]
    public void LogitsAndGreedyContinuationMatchLlamaCpp(string name, string architecture)
    {
        using var file = GgufFile.Open(Fixture(name + ".gguf"));
        using var model = TransformerModel.Load(file, threads: 2);
        Assert.Equal(architecture, model.Config.Architecture);
        int vocab = model.Config.VocabSize, compared = 0, within = 0;
        double max = 0;
        foreach (var line in File.ReadLines(Fixture(name + ".jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var tokens = root.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
            var greedy = root.GetProperty("greedy").EnumerateArray().Select(t => t.GetInt32()).ToArray();
            var top = root.GetProperty("top_logits").EnumerateArray().ToArray();

            // the context llama.cpp ran with: LongRoPE picks its factors by it
            using var state = model.CreateState(root.GetProperty("n_ctx").GetInt32());
            var logits = new float[tokens.Length * vocab];
            state.Evaluate(tokens, logits);
            for (int i = 0; i < tokens.Length; i++)
            {
                var row = logits.AsSpan(i * vocab, vocab);
                Assert.Equal(top[i][0][0].GetInt32(), ReferenceData.ArgMax(row));
                foreach (var pair in top[i].EnumerateArray())
                {
                    double error = Math.Abs(row[pair[0].GetInt32()] - pair[1].GetSingle());
                    max = Math.Max(max, error);
                    compared++;
                    if (error <= 1e-3) within++;
                }
            }

            var next = ReferenceData.ArgMax(logits.AsSpan((tokens.Length - 1) * vocab, vocab));
            for (int step = 0; step < greedy.Length; step++)
            {
                Assert.Equal(greedy[step], next);
                next = ReferenceData.ArgMax(state.Evaluate([next]));
            }
        }
        output.WriteLine($"{name}: {within}/{compared} logits within 1e-3, max error {max}");
        Assert.True(within >= 0.98 * compared, $"only {within}/{compared} logits within 1e-3");
        Assert.True(max < 3e-3, $"max error {max}");
    }

    /// <summary>
    /// The gemma2 and phi3 references really test their features: with one of them neutralized (the file rewritten
    /// with that metadata changed) the logits leave llama.cpp's by far more than the tolerance above.
    /// </summary>
    [Theory]
    [InlineData("tiny-gemma2-f32", "gemma2.attention.sliding_window", 1000f)] // window wider than the prompt
    [InlineData("tiny-gemma2-f32", "gemma2.attn_logit_softcapping", 1e6f)] // cap too high to bend anything
    [InlineData("tiny-gemma2-f32", "gemma2.final_logit_softcapping", 1e6f)]
    [InlineData("tiny-phi3-f32", "phi3.rope.scaling.attn_factor", 1f)]
    public void NeutralizingAFeatureMovesTheLogits(string name, string key, float value)
    {
        var path = Path.Combine(Path.GetTempPath(), $"hearth-{Guid.NewGuid():N}.gguf");
        try
        {
            using (var original = GgufFile.Open(Fixture(name + ".gguf")))
            {
                var w = new GgufWriter();
                foreach (var (k, v) in original.Metadata)
                    if (k != key) w.AddValue(k, v);
                if (key.EndsWith("sliding_window", StringComparison.Ordinal)) w.Add(key, (uint)value);
                else w.Add(key, value);
                foreach (var t in original.Tensors) w.AddTensor(t.Name, t.Type, t.Dims, original.GetTensorData(t).ToArray());
                w.Write(path);
            }
            using var file = GgufFile.Open(path);
            using var model = TransformerModel.Load(file, threads: 2);
            int vocab = model.Config.VocabSize;
            double max = 0;
            foreach (var line in File.ReadLines(Fixture(name + ".jsonl")))
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var tokens = root.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
                var top = root.GetProperty("top_logits").EnumerateArray().ToArray();
                using var state = model.CreateState(root.GetProperty("n_ctx").GetInt32());
                var logits = new float[tokens.Length * vocab];
                state.Evaluate(tokens, logits);
                for (int i = 0; i < tokens.Length; i++)
                    foreach (var pair in top[i].EnumerateArray())
                        max = Math.Max(max, Math.Abs(logits[i * vocab + pair[0].GetInt32()] - pair[1].GetSingle()));
            }
            output.WriteLine($"{name} with {key} = {value}: max error {max}");
            Assert.True(max > 0.05, $"{key} = {value} moved the logits by only {max}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
