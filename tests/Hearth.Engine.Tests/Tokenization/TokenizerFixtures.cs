using System.Collections.Concurrent;
using Hearth.Engine.Gguf;
using Hearth.Engine.Tokenization;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Tokenization;

/// <summary>Loads each test vocabulary once per test run (the large ones take a moment).</summary>
static class TokenizerFixtures
{
    static readonly ConcurrentDictionary<string, Lazy<Tokenizer>> Cache = new();

    /// <summary>Vocab-only files from llama.cpp's tests: tokenizers/ggml-vocab-NAME.gguf.</summary>
    public static readonly string[] VocabNames = ["llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3"];

    /// <summary>Fixture models with reference tokenizations in reference/MODEL.jsonl.</summary>
    public static readonly string[] ModelNames =
        ["tiny-llama2-spm-f32", "tiny-llama2-spm-q8_0", "tiny-llama2-spm-q4_0", "tiny-llama3-bpe-q4_k_m", "tiny-qwen2-q8_0", "stories260K"];

    public static Tokenizer Vocab(string name) => Load(Path.Combine("tokenizers", $"ggml-vocab-{name}.gguf"));

    public static Tokenizer Model(string name) => Load($"{name}.gguf");

    static Tokenizer Load(string relative) => Cache.GetOrAdd(relative, r => new Lazy<Tokenizer>(() =>
    {
        using var file = GgufFile.Open(TestModels.Path(r));
        return Tokenizer.FromGguf(file);
    })).Value;

    /// <summary>Inputs of NAME.gguf.inp (separated by lines "__ggml_vocab_test__") and the ids of NAME.gguf.out.</summary>
    public static IReadOnlyList<(string Input, int[] Expected)> VocabCases(string name)
    {
        var dir = TestModels.Path("tokenizers");
        var inputs = File.ReadAllText(Path.Combine(dir, $"ggml-vocab-{name}.gguf.inp")).Split("\n__ggml_vocab_test__\n");
        var outputs = File.ReadAllLines(Path.Combine(dir, $"ggml-vocab-{name}.gguf.out"));
        // The file ends with a separator, which leaves one empty string after it.
        Assert.Equal("", inputs[^1]);
        Assert.Equal(inputs.Length - 1, outputs.Length);
        return [.. outputs.Select((line, i) => (inputs[i],
            line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray()))];
    }
}
