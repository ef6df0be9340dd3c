namespace Hearth.Engine.Chat;

/// <summary>One generated token's log-probability and its most likely alternatives (OpenAI's logprobs.content[i]).</summary>
public sealed record TokenLogprob(int TokenId, string Token, byte[] Bytes, float Logprob, IReadOnlyList<TopLogprob> TopLogprobs);

public sealed record TopLogprob(int TokenId, string Token, byte[] Bytes, float Logprob);
