using System.Runtime.CompilerServices;
using Hearth.Engine.Tokenization;

namespace Hearth.Engine.Grammar;

/// <summary>
/// A vocabulary's token bytes as a trie, laid out in depth-first order: a node's subtree is the range up to
/// <see cref="SubtreeEnd"/>, so a mask is one forward scan that skips whole subtrees the grammar rules out
/// (tokens sharing a forbidden prefix are never looked at one by one). Tokens with no bytes (control tokens) are
/// not in it; end-of-generation tokens are listed apart. Immutable; built once per tokenizer.
/// </summary>
public sealed class TokenTrie
{
    static readonly ConditionalWeakTable<Tokenizer, TokenTrie> Cache = [];

    internal readonly int[] Parent;       // per node; node 0 is the root
    internal readonly byte[] Label;       // the byte on the edge into the node
    internal readonly int[] SubtreeEnd;   // first node after the node's subtree
    internal readonly int[] FirstToken;   // a token whose bytes end at the node, or -1
    internal readonly int[] NextSameBytes; // per token: another token with the same bytes, or -1
    internal readonly byte[][] TokenBytes;
    internal readonly int[] EndOfGeneration;

    /// <param name="tokenBytes">Every token's bytes, by id; empty for tokens that produce no text.</param>
    /// <param name="endOfGeneration">Tokens that end generation: allowed only once the grammar is complete.</param>
    public TokenTrie(IReadOnlyList<byte[]> tokenBytes, IEnumerable<int> endOfGeneration)
    {
        ArgumentNullException.ThrowIfNull(tokenBytes);
        ArgumentNullException.ThrowIfNull(endOfGeneration);
        TokenCount = tokenBytes.Count;
        TokenBytes = [.. tokenBytes];
        EndOfGeneration = [.. endOfGeneration.Where(t => (uint)t < (uint)TokenCount).Distinct()];
        NextSameBytes = new int[TokenCount];
        Array.Fill(NextSameBytes, -1);

        var order = Enumerable.Range(0, TokenCount).Where(t => TokenBytes[t].Length > 0 && !EndOfGeneration.Contains(t)).ToArray();
        Array.Sort(order, (a, b) => TokenBytes[a].AsSpan().SequenceCompareTo(TokenBytes[b]));

        var parent = new List<int> { -1 };
        var label = new List<byte> { 0 };
        var first = new List<int> { -1 };
        var end = new List<int> { 0 };
        var path = new List<int> { 0 }; // path[d] = node at depth d along the previous token
        byte[] previous = [];
        foreach (var token in order)
        {
            var bytes = TokenBytes[token];
            var common = bytes.AsSpan().CommonPrefixLength(previous);
            for (var d = path.Count - 1; d > common; d--) end[path[d]] = parent.Count; // close the nodes left behind
            path.RemoveRange(common + 1, path.Count - common - 1);
            for (var d = common; d < bytes.Length; d++)
            {
                parent.Add(path[d]);
                label.Add(bytes[d]);
                first.Add(-1);
                end.Add(0);
                path.Add(parent.Count - 1);
            }
            var node = path[bytes.Length];
            NextSameBytes[token] = first[node];
            first[node] = token;
            previous = bytes;
        }
        for (var d = path.Count - 1; d >= 0; d--) end[path[d]] = parent.Count;

        Parent = [.. parent];
        Label = [.. label];
        FirstToken = [.. first];
        SubtreeEnd = [.. end];
    }

    /// <summary>The trie of a tokenizer's vocabulary, built on first use and kept as long as the tokenizer.</summary>
    public static TokenTrie For(Tokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return Cache.GetValue(tokenizer, t =>
            new TokenTrie(Enumerable.Range(0, t.VocabSize).Select(t.TokenBytes).ToArray(), t.EndOfGenerationIds));
    }

    /// <summary>Tokens in the vocabulary (ids 0..TokenCount-1); logits past it are always masked.</summary>
    public int TokenCount { get; }

    public int NodeCount => Parent.Length;
}
