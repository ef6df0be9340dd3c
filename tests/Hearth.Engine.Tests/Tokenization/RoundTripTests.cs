using System.Text;
using Hearth.Engine.Tokenization;

namespace Hearth.Engine.Tests.Tokenization;

/// <summary>Decoding gives back the encoded text, whole or streamed token by token.</summary>
public class RoundTripTests
{
    public static readonly string[] Texts =
    [
        "Hello world",
        " leading space and trailing space ",
        "emoji 🦙🚀 family 👩‍👩‍👧‍👦 flags 🇫🇷 skin 👍🏽 ✅",
        "CJK 你好，世界！ こんにちは 안녕하세요 漢字かなカナ",
        "combining: e\u0301 n\u0303 a\u0308\u0304 Z\u0324\u0354\u0367\u0311\u0313 อย่างไร",
        "RTL مرحبا بالعالم שלום",
        "whitespace\t\ttabs\n\nnewlines\r\n  \u00A0nbsp\u3000ideographic   end",
        "numbers 1234567890 3.14159 1,000,000 ½ ⅞ ٣٤٥",
        "code: def f(x):\n    return x ** 2  # comment\n",
        "contractions I'm you're they'LL WE'VE it's don't",
        "symbols ~!@#$%^&*()_+-={}[]|\\:\";'<>?,./ ©®™ € ∑∫√",
        "\U0001F9EA\U0001D400\U00020000 astral",
        "   ",
        "\n",
        "a",
    ];

    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var name in TokenizerFixtures.VocabNames.Select(n => "vocab:" + n).Append("model:stories260K"))
            foreach (var addSpecial in new[] { false, true })
                for (int i = 0; i < Texts.Length; i++) data.Add(name, i.ToString(), addSpecial);
        return data;
    }

    static Tokenizer Load(string name) => name.StartsWith("vocab:")
        ? TokenizerFixtures.Vocab(name["vocab:".Length..])
        : TokenizerFixtures.Model(name["model:".Length..]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_of_encode_is_the_text(string tokenizerName, string textIndex, bool addSpecial)
    {
        var tokenizer = Load(tokenizerName);
        var text = Texts[int.Parse(textIndex)];

        var ids = tokenizer.Encode(text, addSpecial);

        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Streaming_never_emits_a_broken_character(string tokenizerName, string textIndex, bool addSpecial)
    {
        var tokenizer = Load(tokenizerName);
        var text = Texts[int.Parse(textIndex)];
        var ids = tokenizer.Encode(text, addSpecial);

        var decoder = new StreamingDecoder(tokenizer);
        var streamed = new StringBuilder();
        foreach (var id in ids)
        {
            var chunk = decoder.Push(id);
            Assert.DoesNotContain('\uFFFD', chunk);
            Assert.False(chunk.Length > 0 && char.IsHighSurrogate(chunk[^1]), "chunk ends inside a surrogate pair");
            streamed.Append(chunk);
        }
        Assert.Equal("", decoder.Flush());

        // Streaming keeps every token's text, so SentencePiece's prefix space is still there.
        var expected = Encoding.UTF8.GetString([.. ids.SelectMany(id => tokenizer.TokenBytes(id))]);
        Assert.Equal(expected, streamed.ToString());
        Assert.Equal(tokenizer.AddSpacePrefix ? " " + text : text, streamed.ToString());
    }

    [Fact]
    public void Byte_tokens_are_held_until_the_character_is_complete()
    {
        var tokenizer = TokenizerFixtures.Vocab("llama-spm");
        // "🦙" is not in the vocabulary: it is four byte tokens <0xF0> <0x9F> <0xA6> <0x99>.
        var ids = tokenizer.Encode("🦙", addSpecial: false);
        var bytes = ids.Select(tokenizer.TokenText).ToArray();
        Assert.Equal(["▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"], bytes);

        var decoder = new StreamingDecoder(tokenizer);
        Assert.Equal(" ", decoder.Push(ids[0]));
        Assert.Equal("", decoder.Push(ids[1]));
        Assert.Equal("", decoder.Push(ids[2]));
        Assert.Equal("", decoder.Push(ids[3]));
        Assert.Equal("🦙", decoder.Push(ids[4]));
    }

    [Fact]
    public void Broken_sequences_become_replacement_characters()
    {
        var tokenizer = TokenizerFixtures.Vocab("llama-spm");
        int lead = tokenizer.FindToken("<0xF0>")!.Value, cont = tokenizer.FindToken("<0x9F>")!.Value;
        int hello = tokenizer.FindToken("Hello")!.Value;

        var decoder = new StreamingDecoder(tokenizer);
        Assert.Equal("", decoder.Push(lead));
        Assert.Equal("", decoder.Push(cont));
        // A complete token after an incomplete sequence: the sequence can never complete.
        Assert.Equal("\uFFFDHello", decoder.Push(hello));
        Assert.Equal("", decoder.Push(lead));
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("", decoder.Flush());

        Assert.Equal("\uFFFDHello", tokenizer.Decode([lead, cont, hello]));
    }

    [Fact]
    public void Control_tokens_decode_to_nothing_unless_rendered()
    {
        var tokenizer = TokenizerFixtures.Vocab("qwen2");
        var ids = tokenizer.Encode("<|im_start|>user\nHi<|im_end|>", addSpecial: false, parseSpecial: true);

        Assert.Equal("user\nHi", tokenizer.Decode(ids));
        Assert.Equal("<|im_start|>user\nHi<|im_end|>", tokenizer.Decode(ids, renderSpecial: true));
        Assert.Empty(tokenizer.TokenBytes(ids[0]));

        var rendered = new StreamingDecoder(tokenizer, renderSpecial: true);
        Assert.Equal("<|im_start|>", rendered.Push(ids[0]));
        var plain = new StreamingDecoder(tokenizer);
        Assert.Equal("", plain.Push(ids[0]));
    }
}

public class ReferenceDecodeTests
{
    [Fact]
    public void Stories260K_greedy_tokens_read_as_the_known_story()
    {
        var tokenizer = TokenizerFixtures.Model("stories260K");
        var line = File.ReadLines(Hearth.Tests.TestModels.Path(Path.Combine("reference", "stories260K.jsonl"))).First();
        using var doc = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("Once upon a time", doc.RootElement.GetProperty("prompt").GetString());
        var greedy = doc.RootElement.GetProperty("greedy").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        var decoder = new StreamingDecoder(tokenizer);
        var streamed = string.Concat(greedy.Select(decoder.Push)) + decoder.Flush();

        Assert.StartsWith(", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.", streamed);
        Assert.Equal(streamed, tokenizer.Decode(greedy));
    }
}
