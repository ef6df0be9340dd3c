using System.Diagnostics;
using Hearth.Engine.Gguf;
using Hearth.Engine.Tokenization;

namespace Hearth.Bench;

/// <summary>
/// Tokenizer load time and encode/decode throughput for the test models' vocabularies.
/// Run: dotnet run -c Release --project bench/Hearth.Bench -- tokenizer [models-dir]
/// </summary>
static class TokenizerBenchmark
{
    public static void Run(string modelsDir)
    {
        string[] models = ["tiny-llama2-spm-f32.gguf", "tiny-llama3-bpe-q4_k_m.gguf", "tiny-qwen2-q8_0.gguf", "tokenizers/ggml-vocab-gpt-2.gguf"];
        // A mixed text: llama.cpp's tokenizer test inputs (many scripts, emoji, whitespace) plus prose and code.
        var sample = File.ReadAllText(Path.Combine(modelsDir, "tokenizers", "ggml-vocab-llama-bpe.gguf.inp"))
            + "Once upon a time, there was a little robot who wanted to learn how to paint.\n"
            + "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n";
        var text = string.Concat(Enumerable.Repeat(sample, 100));

        foreach (var model in models)
        {
            var path = Path.Combine(modelsDir, model);
            var loads = new List<double>();
            Tokenizer? tokenizer = null;
            for (int i = 0; i < 5; i++)
            {
                var sw = Stopwatch.StartNew();
                using var file = GgufFile.Open(path);
                tokenizer = Tokenizer.FromGguf(file);
                loads.Add(sw.Elapsed.TotalMilliseconds);
            }

            var cold = Stopwatch.StartNew();
            var ids = tokenizer!.Encode(text);
            double coldSeconds = cold.Elapsed.TotalSeconds;

            var warm = Stopwatch.StartNew();
            int rounds = 0;
            while (warm.Elapsed.TotalSeconds < 1 || rounds < 3) { tokenizer.Encode(text); rounds++; }
            double warmSeconds = warm.Elapsed.TotalSeconds / rounds;

            var decode = Stopwatch.StartNew();
            var decoder = new StreamingDecoder(tokenizer);
            foreach (var id in ids) decoder.Push(id);
            decoder.Flush();
            double decodeSeconds = decode.Elapsed.TotalSeconds;

            loads.Sort();
            Console.WriteLine($"{model}: vocab {tokenizer.VocabSize}, open+load median {loads[loads.Count / 2]:F0} ms; "
                + $"encode {text.Length / 1e6 / coldSeconds:F2} M chars/s first pass, {text.Length / 1e6 / warmSeconds:F2} M chars/s warm "
                + $"({ids.Length / 1e6 / warmSeconds:F2} M tokens/s); streaming decode {ids.Length / 1e6 / decodeSeconds:F2} M tokens/s");
        }
    }
}
