using Hearth.Engine.Gguf;
using Hearth.Engine.Tokenization;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Tokenization;

public class SpecialTokenTests
{
    [Fact]
    public void Special_text_is_parsed_only_when_asked()
    {
        var qwen = TokenizerFixtures.Vocab("qwen2");
        int imStart = qwen.FindToken("<|im_start|>")!.Value;
        Assert.Equal(151644, imStart);

        var parsed = qwen.Encode("<|im_start|>user", addSpecial: false, parseSpecial: true);
        var literal = qwen.Encode("<|im_start|>user", addSpecial: false, parseSpecial: false);

        Assert.Equal([imStart, qwen.FindToken("user")!.Value], parsed);
        Assert.DoesNotContain(imStart, literal);
        Assert.True(literal.Length > 3);
        Assert.Equal("<|im_start|>user", qwen.Decode(literal));
    }

    [Fact]
    public void User_defined_tokens_are_always_matched()
    {
        var qwen = TokenizerFixtures.Vocab("qwen2");
        int pad = qwen.FindToken("[PAD151646]")!.Value;
        Assert.False(qwen.IsControl(pad));

        Assert.Contains(pad, qwen.Encode("a[PAD151646]b", addSpecial: false, parseSpecial: false));
        // User-defined tokens render their text.
        Assert.Equal("a[PAD151646]b", qwen.Decode(qwen.Encode("a[PAD151646]b", addSpecial: false)));
    }

    [Fact]
    public void Bos_is_added_per_model_defaults_and_flags()
    {
        var llama3 = TokenizerFixtures.Vocab("llama-bpe");   // gpt2 + llama-bpe: BOS by default
        var qwen = TokenizerFixtures.Vocab("qwen2");         // gpt2 + qwen2: no BOS
        var gpt2 = TokenizerFixtures.Vocab("gpt-2");
        var spm = TokenizerFixtures.Vocab("llama-spm");      // SentencePiece: BOS by default

        Assert.True(llama3.AddBos);
        int hi = llama3.FindToken("hi")!.Value;
        Assert.Equal([128000, hi], llama3.Encode("hi"));
        Assert.Equal([hi], llama3.Encode("hi", addSpecial: false));
        Assert.False(qwen.AddBos);
        Assert.Equal(qwen.Encode("hi", addSpecial: false), qwen.Encode("hi"));
        Assert.False(gpt2.AddBos);
        Assert.True(spm.AddBos);
        Assert.False(spm.AddEos);
        Assert.Equal(1, spm.BosId);
        Assert.Equal(2, spm.EosId);
        Assert.Equal(1, spm.Encode("hi")[0]);
    }

    [Fact]
    public void SentencePiece_puts_a_space_after_special_tokens()
    {
        var spm = TokenizerFixtures.Vocab("llama-spm");
        int hello = spm.FindToken("▁Hello")!.Value;

        Assert.Equal([1, hello], spm.Encode("Hello"));
        Assert.Equal([1, hello], spm.Encode("<s>Hello", addSpecial: false, parseSpecial: true));
        Assert.Equal([1, 1, hello], spm.Encode("<s>Hello", addSpecial: true, parseSpecial: true));
        Assert.Equal([hello, 2, hello], spm.Encode("Hello</s>Hello", addSpecial: false, parseSpecial: true));
    }

    [Fact]
    public void Phi3_strips_whitespace_after_its_special_tokens()
    {
        var phi3 = TokenizerFixtures.Vocab("phi-3");
        int user = phi3.FindToken("<|user|>")!.Value;

        var ids = phi3.Encode("<|user|>\nHi", addSpecial: false, parseSpecial: true);

        Assert.Equal([user, phi3.FindToken("▁Hi")!.Value], ids);
    }

    [Fact]
    public void End_of_generation_tokens_match_llama_cpp()
    {
        var llama3 = TokenizerFixtures.Vocab("llama-bpe");
        Assert.True(llama3.IsEndOfGeneration(128009)); // <|eot_id|>
        Assert.True(llama3.IsEndOfGeneration(128001)); // <|end_of_text|> (EOS)
        Assert.False(llama3.IsEndOfGeneration(128000));
        Assert.False(llama3.IsEndOfGeneration(13347));
        Assert.Equal(128009, llama3.EotId);

        var qwen = TokenizerFixtures.Vocab("qwen2");
        Assert.Equal(151645, qwen.EotId);
        Assert.True(qwen.IsEndOfGeneration(151645)); // <|im_end|>
        Assert.True(qwen.IsEndOfGeneration(151643)); // <|endoftext|>
        Assert.False(qwen.IsEndOfGeneration(151644));

        var phi3 = TokenizerFixtures.Vocab("phi-3");
        Assert.True(phi3.IsEndOfGeneration(phi3.FindToken("<|end|>")!.Value));
        Assert.True(phi3.IsEndOfGeneration(32000)); // EOS <|endoftext|>
        // "</s>" is user-defined in Phi-3's file; llama.cpp makes it an end-of-generation control token.
        Assert.True(phi3.IsEndOfGeneration(2));
        Assert.True(phi3.IsControl(2));

        var spm = TokenizerFixtures.Vocab("llama-spm");
        Assert.Equal([2], spm.EndOfGenerationIds.Order());
        Assert.True(spm.IsControl(1));
        Assert.False(spm.IsControl(100));
    }

    [Fact]
    public void Token_bytes_and_text()
    {
        var gpt2 = TokenizerFixtures.Vocab("gpt-2");
        int id = gpt2.Encode(" Hello", addSpecial: false).Single();
        Assert.Equal("ĠHello", gpt2.TokenText(id));
        Assert.Equal(" Hello"u8.ToArray(), gpt2.TokenBytes(id));

        var spm = TokenizerFixtures.Vocab("llama-spm");
        Assert.Equal(" Hello"u8.ToArray(), spm.TokenBytes(spm.FindToken("▁Hello")!.Value));
        Assert.Equal(new byte[] { 0x0A }, spm.TokenBytes(spm.FindToken("<0x0A>")!.Value));
        Assert.Empty(spm.TokenBytes(1));
        Assert.Equal("<s>"u8.ToArray(), spm.TokenBytes(1, renderSpecial: true));
        Assert.Null(spm.FindToken("no such token"));

        Assert.Throws<ArgumentOutOfRangeException>(() => spm.TokenBytes(spm.VocabSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => spm.Decode([-1]));
        Assert.Equal(32000, spm.VocabSize);
    }

    [Fact]
    public void Lone_surrogates_encode_like_replacement_characters()
    {
        var qwen = TokenizerFixtures.Vocab("qwen2");
        Assert.Equal(qwen.Encode("a\uFFFDb"), qwen.Encode("a\uD800b"));
    }
}

public class TokenizerLoadingTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("hearth-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    Tokenizer Load(GgufWriter writer)
    {
        var path = Path.Combine(_dir, Guid.NewGuid() + ".gguf");
        writer.Write(path);
        using var file = GgufFile.Open(path);
        return Tokenizer.FromGguf(file);
    }

    static GgufWriter Bpe(string pre) => new GgufWriter()
        .Add("tokenizer.ggml.model", "gpt2")
        .Add("tokenizer.ggml.pre", pre)
        .Add("tokenizer.ggml.tokens", ["a", "b", "ab", "Ġ", "Ġab", "<|endoftext|>"])
        .Add("tokenizer.ggml.token_type", [1, 1, 1, 1, 1, 3])
        .Add("tokenizer.ggml.merges", ["a b", "Ġ ab"])
        .Add("tokenizer.ggml.eos_token_id", 5u);

    [Fact]
    public void Unsupported_model_is_a_clear_error()
    {
        var writer = new GgufWriter().Add("tokenizer.ggml.model", "bert").Add("tokenizer.ggml.tokens", ["a"]);
        var e = Assert.Throws<UnsupportedTokenizerException>(() => Load(writer));
        Assert.Contains("'bert'", e.Message);
    }

    [Fact]
    public void Unsupported_pre_tokenizer_is_a_clear_error()
    {
        var e = Assert.Throws<UnsupportedTokenizerException>(() => Load(Bpe("deepseek-llm")));
        Assert.Contains("'deepseek-llm'", e.Message);
    }

    [Fact]
    public void Missing_metadata_is_a_clear_error()
    {
        Assert.Throws<InvalidTokenizerException>(() => Load(new GgufWriter().Add("general.name", "x")));
        Assert.Throws<InvalidTokenizerException>(() => Load(new GgufWriter().Add("tokenizer.ggml.model", "gpt2").Add("tokenizer.ggml.pre", "gpt-2")
            .Add("tokenizer.ggml.tokens", ["a"])));
        Assert.Throws<InvalidTokenizerException>(() => Load(new GgufWriter().Add("tokenizer.ggml.model", "llama")
            .Add("tokenizer.ggml.tokens", ["a", "b"]).Add("tokenizer.ggml.token_type", [1])));
    }

    [Fact]
    public void Small_bpe_vocabulary_merges_by_rank()
    {
        var tokenizer = Load(Bpe("gpt-2"));

        Assert.Equal([4, 2, 3, 0], tokenizer.Encode(" abab a", addSpecial: false));
        Assert.Equal([2, 4, 3, 0], tokenizer.Encode("ab ab a", addSpecial: false));
        Assert.Equal(" abab a", tokenizer.Decode(tokenizer.Encode(" abab a")));
        Assert.True(tokenizer.IsEndOfGeneration(5));
        Assert.Equal(5, tokenizer.EotId); // found by its text "<|endoftext|>"
    }

    [Fact]
    public void Add_bos_flag_overrides_the_default()
    {
        var tokenizer = Load(Bpe("gpt-2").Add("tokenizer.ggml.add_bos_token", true).Add("tokenizer.ggml.bos_token_id", 5u));
        Assert.True(tokenizer.AddBos);
        Assert.Equal([5, 2], tokenizer.Encode("ab"));
    }
}
