using Hearth.Engine.Tokenization;

namespace Hearth.Engine.Tests.Tokenization;

/// <summary>Word splits of the pre-tokenizers, worked out by hand from llama.cpp's expressions.</summary>
public class PreTokenizerTests
{
    [Theory]
    [InlineData("gpt-2", "Hello   world", new[] { "Hello", "  ", " world" })]
    [InlineData("gpt-2", "I'm I'M", new[] { "I", "'m", " I", "'", "M" })]
    [InlineData("gpt-2", "a  \n", new[] { "a", "  \n" })]
    [InlineData("gpt-2", "x 12345 ...", new[] { "x", " 12345", " ..." })]
    [InlineData("llama-bpe", "I'M 12345", new[] { "I", "'M", " ", "123", "45" })]
    [InlineData("llama-bpe", "(word) \n\n  x", new[] { "(word", ")", " \n\n", " ", " x" })]
    [InlineData("qwen2", "I'M 12345", new[] { "I", "'M", " ", "1", "2", "3", "4", "5" })]
    [InlineData("qwen2", "héllo wörld!!\n", new[] { "héllo", " wörld", "!!\n" })]
    [InlineData("smollm", "abc 123", new[] { "abc", " ", "1", "2", "3" })]
    [InlineData("default", "Hello, world! 12345", new[] { "Hello", ",", " world", "!", " ", "123", "45" })]
    public void Splits_words_like_llama_cpp(string pre, string text, string[] expected)
    {
        var preTokenizer = PreTokenizer.ForName(pre)!;
        var cpts = Codepoints.FromString(text);

        var words = new List<string>();
        int start = 0;
        foreach (var length in preTokenizer.Split(cpts))
        {
            words.Add(string.Concat(cpts[start..(start + length)].Select(char.ConvertFromUtf32)));
            start += length;
        }

        Assert.Equal(expected, words);
    }

    [Fact]
    public void Non_ascii_categories_split_the_same_with_hand_written_and_regex_matchers()
    {
        // Llama 3's expression runs hand-written; the same expression through the regex fallback must agree.
        var handWritten = PreTokenizer.ForName("llama-bpe")!;
        var regex = PreTokenizer.ForName("qwen2")!; // differs only in \p{N} vs \p{N}{1,3}
        var text = "Привет, мир! 你好，世界！ こんにちは 🙂 naïve café e\u0301\u0301 \u00A0\u2028 x\u3000y ٣ ½";
        var cpts = Codepoints.FromString(text);
        Assert.Equal(handWritten.Split(cpts), regex.Split(cpts));
    }

    [Fact]
    public void Unknown_pre_tokenizer_is_not_supported() => Assert.Null(PreTokenizer.ForName("no-such-pre"));
}
