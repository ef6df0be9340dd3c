using Hearth.Engine.Gguf;
using Hearth.Engine.Tests.Tokenization;
using Hearth.Engine.Tokenization;
using Hearth.Engine.Tools;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Tools;

/// <summary>
/// Through the real tokenizers of the fixture models: a reply encoded to tokens and decoded token by token, as
/// generation does, still parses to the same calls. (The fixture vocabularies have no tag tokens of their own, so
/// the tags arrive split over ordinary tokens, the hardest case for holding back.)
/// </summary>
public class ToolCallTokenTests
{
    [Fact]
    public void A_Qwen_reply_decoded_token_by_token_parses()
    {
        var (format, tokenizer) = Load("tiny-qwen2-q8_0");
        Assert.Same(ToolCallFormat.Hermes, format);
        var forced = format.ForcedCall("get_weather", null);
        string reply = "Checking <tool> and <tool_cal.\n" + forced.Prefix + "{\"city\": \"Zürich 🙂\"}" + forced.Suffix + "\n";

        var decoded = Decode(tokenizer, reply);
        var result = ToolStream.Stream(format, decoded);
        Assert.Equal("Checking <tool> and <tool_cal.", result.Content);
        Assert.Equal([new ToolCall("call_0", "get_weather", "{\"city\": \"Zürich 🙂\"}")], result.ToolCalls);
    }

    [Fact]
    public void A_Llama_reply_decoded_token_by_token_parses()
    {
        var (format, tokenizer) = Load("tiny-llama3-bpe-q4_k_m");
        Assert.Same(ToolCallFormat.Llama3Json, format);
        string reply = "<|python_tag|>" + format.ForcedCall("get_weather", null).Prefix + "{\"city\": \"Oslo\"}}";

        var result = ToolStream.Stream(format, Decode(tokenizer, reply));
        Assert.Equal("", result.Content);
        Assert.Equal([new ToolCall("call_0", "get_weather", "{\"city\": \"Oslo\"}")], result.ToolCalls);
    }

    static (ToolCallFormat Format, Tokenizer Tokenizer) Load(string model)
    {
        var tokenizer = TokenizerFixtures.Model(model);
        using var file = GgufFile.Open(TestModels.Path(model + ".gguf"));
        var format = ToolCallFormat.Detect(file.GetString("tokenizer.chat_template"), t => tokenizer.FindToken(t) != null);
        Assert.NotNull(format);
        return (format, tokenizer);
    }

    /// <summary>Encodes the reply and decodes it one token at a time; the pieces must put the reply back together.</summary>
    static List<string> Decode(Tokenizer tokenizer, string reply)
    {
        var tokens = tokenizer.Encode(reply, addSpecial: false, parseSpecial: true);
        var decoder = new StreamingDecoder(tokenizer);
        var pieces = tokens.Select(decoder.Push).ToList();
        pieces.Add(decoder.Flush());
        Assert.Equal(reply, string.Concat(pieces));
        Assert.True(pieces.Count > 20);
        return pieces;
    }
}
