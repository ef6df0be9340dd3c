using System.Text.Json;
using Hearth.Engine.Chat;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Tests.Chat;

public class ChatOptionsMappingTests
{
    [Fact]
    public void Chat_options_map_onto_generation_options()
    {
        var options = new ChatOptions
        {
            Temperature = 0.3f, TopP = 0.5f, TopK = 7, MaxOutputTokens = 12, StopSequences = ["END"], Seed = -1,
            FrequencyPenalty = 0.25f, PresencePenalty = 0.5f,
            AdditionalProperties = new()
            {
                [ChatOptionKeys.MinP] = 0.1, [ChatOptionKeys.RepeatPenalty] = 1.1f,
                [ChatOptionKeys.Logprobs] = true, [ChatOptionKeys.TopLogprobs] = 4,
                [ChatOptionKeys.LogitBias] = new Dictionary<int, float> { [3] = -100 },
            },
        };
        var g = ChatOptionsMapping.ToGenerationOptions(options, 10);
        Assert.Equal(0.3f, g.Sampling.Temperature);
        Assert.Equal(0.5f, g.Sampling.TopP);
        Assert.Equal(7, g.Sampling.TopK);
        Assert.Equal(0.1f, g.Sampling.MinP);
        Assert.Equal(1.1f, g.Sampling.RepeatPenalty);
        Assert.Equal(0.25f, g.Sampling.FrequencyPenalty);
        Assert.Equal(0.5f, g.Sampling.PresencePenalty);
        Assert.Equal(ulong.MaxValue, g.Sampling.Seed);
        Assert.Equal(12, g.MaxTokens);
        Assert.Equal(["END"], g.StopSequences);
        Assert.True(g.Logprobs);
        Assert.Equal(4, g.TopLogprobs);
        Assert.Equal(-100, g.Sampling.LogitBias![3]);
    }

    [Fact]
    public void Json_values_from_the_wire_are_accepted()
    {
        var json = JsonDocument.Parse("""{"logit_bias": {"5": 2.5}, "logprobs": true, "top_logprobs": 2, "min_p": 0.2}""").RootElement;
        var options = new ChatOptions { AdditionalProperties = new() };
        foreach (var p in json.EnumerateObject()) options.AdditionalProperties[p.Name] = p.Value;
        var g = ChatOptionsMapping.ToGenerationOptions(options, 10);
        Assert.Equal(2.5f, g.Sampling.LogitBias![5]);
        Assert.True(g.Logprobs);
        Assert.Equal(2, g.TopLogprobs);
        Assert.Equal(0.2f, g.Sampling.MinP, 5);
    }

    [Fact]
    public void Unset_options_keep_the_defaults()
    {
        var g = ChatOptionsMapping.ToGenerationOptions(new ChatOptions(), 10);
        Assert.Equal(new Hearth.Engine.Sampling.SamplingOptions(), g.Sampling);
        Assert.Null(g.MaxTokens);
        Assert.False(g.Logprobs);
    }

    [Theory]
    [InlineData("logit_bias", "not a map")]
    [InlineData("logprobs", "yes")]
    [InlineData("min_p", "lots")]
    public void Wrong_value_types_are_argument_errors(string key, object value)
    {
        var options = new ChatOptions { AdditionalProperties = new() { [key] = value } };
        Assert.ThrowsAny<ArgumentException>(() => ChatOptionsMapping.ToGenerationOptions(options, 10));
    }

    [Fact]
    public void Out_of_range_values_are_argument_errors()
    {
        Assert.ThrowsAny<ArgumentException>(() => ChatOptionsMapping.ToGenerationOptions(new ChatOptions { AdditionalProperties = new() { ["logit_bias"] = new Dictionary<int, float> { [10] = 1 } } }, 10));
        Assert.ThrowsAny<ArgumentException>(() => ChatOptionsMapping.ToGenerationOptions(new ChatOptions { AdditionalProperties = new() { ["top_logprobs"] = 3 } }, 10));
        Assert.ThrowsAny<ArgumentException>(() => ChatOptionsMapping.ToGenerationOptions(new ChatOptions { AdditionalProperties = new() { ["logprobs"] = true, ["top_logprobs"] = 30 } }, 10));
        Assert.ThrowsAny<ArgumentException>(() => ChatOptionsMapping.ToGenerationOptions(new ChatOptions { MaxOutputTokens = 0 }, 10));
        Assert.ThrowsAny<ArgumentException>(() => ChatOptionsMapping.ToGenerationOptions(new ChatOptions { TopK = -2 }, 10));
    }
}
