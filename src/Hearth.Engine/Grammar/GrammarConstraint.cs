using System.Numerics;
using Hearth.Engine.Sampling;

namespace Hearth.Engine.Grammar;

/// <summary>
/// Binds a <see cref="Grammar"/> to a vocabulary (<see cref="TokenTrie"/>) and makes one <see cref="GrammarConstraint"/>
/// per generation. The automaton and the token masks it computes (one per automaton state) are kept here and shared
/// by every generation made from this factory, so a schema used again is masked from the cache.
/// Thread-safe: generations share the caches under a lock.
/// </summary>
public sealed class GrammarConstraintFactory : ITokenConstraintFactory
{
    internal readonly GrammarAutomaton Automaton;
    internal readonly TokenTrie Trie;
    internal readonly object Lock = new();
    readonly List<ulong[]?> _masks = [];
    readonly List<int> _worstAfter = []; // per state: the largest distance to completion any allowed token leaves
    readonly int[] _nodeState;

    public GrammarConstraintFactory(Grammar grammar, TokenTrie trie)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(trie);
        Grammar = grammar;
        Trie = trie;
        Automaton = new GrammarAutomaton(grammar);
        _nodeState = new int[trie.NodeCount];
    }

    public Grammar Grammar { get; }

    public int MaskWords => (Trie.TokenCount + 63) >> 6;

    public ITokenConstraint Create(int maxTokens) => new GrammarConstraint(this, maxTokens);

    /// <summary>
    /// The allowed tokens in <paramref name="state"/> with <paramref name="tokensLeft"/> tokens to go: the cached mask
    /// when every token it allows still leaves room to finish; otherwise only tokens that do (into <paramref name="scratch"/>).
    /// </summary>
    internal ulong[] AllowedTokens(int state, int tokensLeft, ulong[] scratch)
    {
        var limit = tokensLeft - 2; // after this token, room to finish and to end with an end-of-generation token
        while (_masks.Count <= state) { _masks.Add(null); _worstAfter.Add(0); }
        var cached = _masks[state];
        if (cached is null)
        {
            cached = new ulong[MaskWords];
            _worstAfter[state] = Walk(state, cached, int.MaxValue, closing: false);
            _masks[state] = cached;
        }
        if (_worstAfter[state] <= limit) return cached;
        Array.Clear(scratch);
        if (Automaton.Distance(state) - 1 <= limit) Walk(state, scratch, limit, closing: false);
        else Walk(state, scratch, int.MaxValue, closing: true); // the budget was too small from the start: the shortest way out
        return scratch;
    }

    // One depth-first scan of the trie from `state`: a node's state is its parent's advanced by the node's byte;
    // a dead node skips its subtree. Sets the bits of tokens whose end state is within `limit` of completion
    // (closing: tokens whose every byte brings completion one byte nearer). Returns the largest such distance.
    int Walk(int state, ulong[] bits, int limit, bool closing)
    {
        var automaton = Automaton;
        var trie = Trie;
        var parent = trie.Parent;
        var label = trie.Label;
        var subtreeEnd = trie.SubtreeEnd;
        var firstToken = trie.FirstToken;
        var nodeState = _nodeState;
        var worst = 0;
        nodeState[0] = state;
        for (var i = 1; i < nodeState.Length;)
        {
            var from = nodeState[parent[i]];
            var to = automaton.Next(from, label[i]);
            if (to == GrammarAutomaton.Dead || (closing && automaton.Distance(to) != automaton.Distance(from) - 1))
            {
                i = subtreeEnd[i];
                continue;
            }
            nodeState[i] = to;
            var token = firstToken[i];
            if (token >= 0)
            {
                var distance = automaton.Distance(to);
                if (distance <= limit)
                {
                    worst = Math.Max(worst, distance);
                    for (; token >= 0; token = trie.NextSameBytes[token]) bits[token >> 6] |= 1UL << (token & 63);
                }
            }
            i++;
        }
        if (automaton.IsComplete(state))
            foreach (var token in trie.EndOfGeneration) bits[token >> 6] |= 1UL << (token & 63);
        return worst;
    }

    /// <summary>Sets the logits of tokens not in <paramref name="allowed"/> (and of ids past the vocabulary) to negative infinity.</summary>
    internal static void Apply(ReadOnlySpan<ulong> allowed, Span<float> logits, int tokenCount)
    {
        var words = Math.Min(allowed.Length, (logits.Length + 63) >> 6);
        for (var w = 0; w < words; w++)
        {
            var word = allowed[w];
            if (word == ulong.MaxValue) continue;
            var slice = logits.Slice(w << 6, Math.Min(64, logits.Length - (w << 6)));
            if (word == 0) { slice.Fill(float.NegativeInfinity); continue; }
            for (var banned = ~word; banned != 0; banned &= banned - 1)
            {
                var bit = BitOperations.TrailingZeroCount(banned);
                if (bit < slice.Length) slice[bit] = float.NegativeInfinity;
            }
        }
        if (logits.Length > tokenCount) logits[tokenCount..].Fill(float.NegativeInfinity);
    }
}

/// <summary>
/// Keeps one generation inside a grammar: masks every token whose bytes would leave it, allows end-of-generation only
/// once the output is complete, and, as the token budget runs out, allows only tokens that still leave room to
/// complete (at worst one byte per token), so output that stops at the budget is still complete wherever the budget
/// is at least the grammar's shortest sentence.
/// </summary>
public sealed class GrammarConstraint : ITokenConstraint
{
    readonly GrammarConstraintFactory _factory;
    readonly ulong[] _scratch;
    int _state;
    int _tokensLeft;
    bool _ended;

    internal GrammarConstraint(GrammarConstraintFactory factory, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        _factory = factory;
        _tokensLeft = maxTokens;
        _scratch = new ulong[factory.MaskWords];
        _state = factory.Automaton.Start;
    }

    public bool IsComplete
    {
        get { lock (_factory.Lock) return _factory.Automaton.IsComplete(_state); }
    }

    /// <summary>Fewest bytes that would complete the output from here.</summary>
    public int BytesToComplete
    {
        get { lock (_factory.Lock) return _factory.Automaton.Distance(_state); }
    }

    public void Mask(Span<float> logits)
    {
        if (_ended) throw new InvalidOperationException("The output already ended.");
        lock (_factory.Lock)
        {
            var allowed = _factory.AllowedTokens(_state, _tokensLeft, _scratch);
            GrammarConstraintFactory.Apply(allowed, logits, _factory.Trie.TokenCount);
        }
    }

    public void Accept(int token)
    {
        if (_ended) throw new InvalidOperationException("The output already ended.");
        var trie = _factory.Trie;
        if ((uint)token >= (uint)trie.TokenCount) throw new InvalidOperationException($"Token {token} is outside the vocabulary the grammar was bound to.");
        lock (_factory.Lock)
        {
            var automaton = _factory.Automaton;
            if (Array.IndexOf(trie.EndOfGeneration, token) >= 0)
            {
                if (!automaton.IsComplete(_state)) throw new InvalidOperationException("An end-of-generation token came before the output was complete.");
                _ended = true;
                return;
            }
            var bytes = trie.TokenBytes[token];
            if (bytes.Length == 0) throw new InvalidOperationException($"Token {token} has no text; the grammar does not allow it.");
            if (!TryAdvance(bytes)) throw new InvalidOperationException($"Token {token} breaks the grammar.");
            _tokensLeft--;
        }
    }

    /// <summary>Moves past text that came outside the mask (the rest of a token that began before the grammar did); false, unmoved, when the grammar does not allow it.</summary>
    internal bool TryAccept(ReadOnlySpan<byte> bytes)
    {
        lock (_factory.Lock) return TryAdvance(bytes);
    }

    bool TryAdvance(ReadOnlySpan<byte> bytes)
    {
        var automaton = _factory.Automaton;
        var state = _state;
        foreach (var b in bytes)
        {
            state = automaton.Next(state, b);
            if (state == GrammarAutomaton.Dead) return false;
        }
        _state = state;
        return true;
    }
}
