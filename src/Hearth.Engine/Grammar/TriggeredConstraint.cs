using System.Text;
using Hearth.Engine.Sampling;

namespace Hearth.Engine.Grammar;

/// <summary>
/// A grammar that applies only once the output contains a trigger text (llama.cpp's lazy grammar): before it, tokens
/// are free; from the trigger's last byte on, the output must follow the grammar. Used for tool calls under
/// <c>tool_choice: "auto"</c>: the model may answer in prose, but a call it starts (<c>&lt;tool_call&gt;</c>) is
/// forced to complete, its arguments valid against the function's schema.
/// </summary>
public sealed class TriggeredConstraintFactory : ITokenConstraintFactory
{
    internal readonly GrammarConstraintFactory After;
    internal readonly byte[] Trigger;

    /// <param name="after">The grammar of what follows the trigger.</param>
    /// <param name="trigger">The text that switches the grammar on (non-empty).</param>
    public TriggeredConstraintFactory(GrammarConstraintFactory after, string trigger)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentException.ThrowIfNullOrEmpty(trigger);
        After = after;
        Trigger = Encoding.UTF8.GetBytes(trigger);
    }

    public ITokenConstraint Create(int maxTokens) => new TriggeredConstraint(this, maxTokens);
}

/// <summary>One generation under a <see cref="TriggeredConstraintFactory"/>.</summary>
public sealed class TriggeredConstraint : ITokenConstraint
{
    readonly TriggeredConstraintFactory _factory;
    int _tokensLeft;
    int _matched; // trigger bytes matched at the end of the output so far
    GrammarConstraint? _grammar;
    bool _abandoned; // text after the trigger (within its token) broke the grammar: the output stays free

    internal TriggeredConstraint(TriggeredConstraintFactory factory, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        _factory = factory;
        _tokensLeft = maxTokens;
    }

    /// <summary>True once the trigger has come and the grammar applies.</summary>
    public bool Triggered => _grammar is not null;

    public bool IsComplete => _grammar?.IsComplete ?? true;

    public void Mask(Span<float> logits) => _grammar?.Mask(logits);

    public void Accept(int token)
    {
        if (_grammar is not null)
        {
            _grammar.Accept(token);
            _tokensLeft--;
            return;
        }
        _tokensLeft--;
        if (_abandoned) return;
        var trie = _factory.After.Trie;
        if ((uint)token >= (uint)trie.TokenCount) return;
        var bytes = trie.TokenBytes[token];
        var trigger = _factory.Trigger;
        for (var i = 0; i < bytes.Length; i++)
        {
            _matched = Step(trigger, _matched, bytes[i]);
            if (_matched < trigger.Length) continue;
            var grammar = (GrammarConstraint)_factory.After.Create(Math.Max(1, _tokensLeft));
            if (grammar.TryAccept(bytes.AsSpan(i + 1))) _grammar = grammar;
            else _abandoned = true;
            return;
        }
    }

    // The longest prefix of the trigger that ends the text after `b` (a plain scan: triggers are short).
    static int Step(byte[] trigger, int matched, byte b)
    {
        while (true)
        {
            if (trigger[matched] == b) return matched + 1;
            if (matched == 0) return 0;
            // fall back to the longest proper border of trigger[..matched]
            var border = matched - 1;
            while (border > 0 && !trigger.AsSpan(0, border).SequenceEqual(trigger.AsSpan(matched - border, border))) border--;
            matched = border;
        }
    }
}
