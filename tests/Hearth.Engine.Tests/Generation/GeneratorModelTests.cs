using System.Text.Json;
using Hearth.Engine.Generation;
using Hearth.Engine.Gguf;
using Hearth.Engine.Models;
using Hearth.Engine.Sampling;
using Hearth.Engine.Tokenization;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Generation;

/// <summary>The generation loop on the real engine: stories260K's greedy continuations match llama.cpp's.</summary>
public class GeneratorModelTests
{
    [Fact]
    public async Task Greedy_tokens_match_llama_cpp_reference_on_stories260K()
    {
        using var file = GgufFile.Open(TestModels.Path("stories260K.gguf"));
        var tokenizer = Tokenizer.FromGguf(file);
        using var model = TransformerModel.Load(file, threads: 1);
        using var state = model.CreateState(256);
        var generator = new Generator(tokenizer);

        foreach (var line in File.ReadLines(TestModels.Path("reference/stories260K.jsonl")).Take(2))
        {
            using var json = JsonDocument.Parse(line);
            var prompt = json.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray();
            var expected = json.RootElement.GetProperty("greedy").EnumerateArray().Select(t => t.GetInt32()).Take(24).ToArray();
            Assert.Equal(prompt, tokenizer.Encode(json.RootElement.GetProperty("prompt").GetString()!));

            var generated = new List<int>();
            var text = "";
            await foreach (var step in generator.GenerateAsync(state, prompt, new GenerationOptions { Sampling = SamplingOptions.Greedy, MaxTokens = expected.Length }))
            {
                if (!step.IsFinal) generated.Add(step.TokenId);
                text += step.Text;
            }
            Assert.Equal(expected, generated);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(expected.SelectMany(tokenizer.TokenBytes).ToArray()), text); // pieces as generated, leading space kept
        }
    }
}
