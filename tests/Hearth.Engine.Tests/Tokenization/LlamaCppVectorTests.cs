using System.Text.Json;
using Hearth.Engine.Tokenization;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Tokenization;

/// <summary>Token ids must equal llama.cpp's, for its tokenizer test vectors and for the fixture models' reference prompts.</summary>
public class LlamaCppVectorTests
{
    public static TheoryData<string, int> VocabCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in TokenizerFixtures.VocabNames)
            for (int i = 0; i < TokenizerFixtures.VocabCases(name).Count; i++) data.Add(name, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(VocabCases))]
    public void Tokenize_matches_llama_cpp_test_vectors(string vocab, int index)
    {
        var (input, expected) = TokenizerFixtures.VocabCases(vocab)[index];
        var tokenizer = TokenizerFixtures.Vocab(vocab);

        var ids = tokenizer.Encode(input, addSpecial: false, parseSpecial: false);

        Assert.Equal(expected, ids);
    }

    [Fact]
    public void Every_vocab_file_has_all_its_vectors_checked()
    {
        foreach (var name in TokenizerFixtures.VocabNames)
            Assert.Equal(46, TokenizerFixtures.VocabCases(name).Count);
    }

    public static TheoryData<string, int> ReferenceCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var model in TokenizerFixtures.ModelNames)
            for (int i = 0; i < ReadReference(model).Count; i++) data.Add(model, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Tokenize_matches_llama_cpp_reference_prompts(string model, int index)
    {
        var (prompt, expected) = ReadReference(model)[index];
        var tokenizer = TokenizerFixtures.Model(model);

        var ids = tokenizer.Encode(prompt, addSpecial: true, parseSpecial: true);

        Assert.Equal(expected, ids);
    }

    [Theory]
    [InlineData("tiny-llama3-bpe-q4_k_m", "prompts.txt")]
    [InlineData("tiny-qwen2-q8_0", "prompts.txt")]
    [InlineData("stories260K", "prompts-stories.txt")]
    public void Reference_prompts_are_the_prompt_files_with_escaped_newlines(string model, string promptFile)
    {
        var lines = File.ReadAllLines(TestModels.Path(Path.Combine("reference", promptFile)))
            .Where(l => l.Length > 0).Select(l => l.Replace("\\n", "\n")).ToArray();
        Assert.Equal(lines, ReadReference(model).Select(r => r.Prompt).ToArray());
    }

    static List<(string Prompt, int[] Tokens)> ReadReference(string model)
    {
        var result = new List<(string, int[])>();
        foreach (var line in File.ReadLines(TestModels.Path(Path.Combine("reference", $"{model}.jsonl"))))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var prompt = doc.RootElement.GetProperty("prompt").GetString()!;
            var tokens = doc.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            result.Add((prompt, tokens));
        }
        return result;
    }
}
