using Hearth.Engine.Gguf;
using Hearth.Engine.Models;
using Hearth.Tests;
using Xunit.Abstractions;

namespace Hearth.Engine.Tests.Models;

public class DiagnosticTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("tiny-llama2-spm-f32")]
    [InlineData("tiny-llama2-spm-q8_0")]
    [InlineData("tiny-llama2-spm-q4_0")]
    [InlineData("tiny-llama3-bpe-q4_k_m")]
    [InlineData("tiny-qwen2-q8_0")]
    [InlineData("stories260K")]
    public void Report(string name)
    {
        using var file = GgufFile.Open(TestModels.Path(name + ".gguf"));
        using var model = TransformerModel.Load(file, 2);
        int vocab = model.Config.VocabSize;
        double maxErr = 0, sumErr = 0; int count = 0, top1 = 0, positions = 0;
        foreach (var p in ReferenceData.For(name))
        {
            using var state = model.CreateState(128);
            var logits = new float[p.Tokens.Length * vocab];
            state.Evaluate(p.Tokens, logits);
            for (int i = 0; i < p.Tokens.Length; i++)
            {
                var row = logits.AsSpan(i * vocab, vocab);
                positions++;
                double pm = p.TopLogits[i].Max(t => Math.Abs(logits[i * vocab + t.Id] - t.Logit));
                if (pm > 2e-4) output.WriteLine($"prompt {Array.IndexOf(ReferenceData.For(name), p)} pos {i}/{p.Tokens.Length}: {pm:g3}");
                if (false) output.WriteLine($"pos {i}: " + string.Join(" ", p.TopLogits[i].Take(5).Select(t => $"{logits[i * vocab + t.Id] - t.Logit:+0.0000;-0.0000}")));
                if (ReferenceData.ArgMax(row) == p.TopLogits[i][0].Id) top1++;
                foreach (var (id, logit) in p.TopLogits[i])
                {
                    double e = Math.Abs(row[id] - logit);
                    maxErr = Math.Max(maxErr, e); sumErr += e; count++;
                }
            }
        }
        output.WriteLine($"{name}: max {maxErr:g4} mean {sumErr / count:g4} top1 {top1}/{positions}");
    }
}
