using System.Text;
using Hearth.Engine.Grammar;
using Hearth.Engine.Tools;

namespace Hearth.Engine.Tests.Grammar;

/// <summary>A lazy grammar: free until the trigger text, however tokens split it, then held to the grammar.</summary>
public class TriggeredConstraintTests
{
    // token ids: 0 "a", 1 "<t", 2 ">", 3 "<t>", 4 "<t>{", 5 "{", 6 "1", 7 "}", 8 "x", 9 end-of-generation
    static readonly string[] Pieces = ["a", "<t", ">", "<t>", "<t>{", "{", "1", "}", "x", ""];

    static TriggeredConstraintFactory Factory()
    {
        var trie = new TokenTrie(Pieces.Select(Encoding.UTF8.GetBytes).ToArray(), [9]);
        var grammar = ToolCallGrammar.CompileAfter([new ForcedToolCall("<t>{", """{"type":"integer"}""", "}")], separator: null, written: "<t>");
        return new TriggeredConstraintFactory(new GrammarConstraintFactory(grammar, trie), "<t>");
    }

    static bool[] Allowed(TriggeredConstraint c)
    {
        var logits = new float[Pieces.Length];
        c.Mask(logits);
        return logits.Select(float.IsFinite).ToArray();
    }

    [Fact]
    public void Before_the_trigger_everything_is_allowed_after_it_only_the_grammar()
    {
        var c = (TriggeredConstraint)Factory().Create(50);
        Assert.All(Allowed(c), Assert.True);
        c.Accept(0); // "a"
        c.Accept(1); // "<t": a partial trigger changes nothing yet
        Assert.False(c.Triggered);
        Assert.All(Allowed(c), Assert.True);
        c.Accept(2); // ">": the trigger is complete across two tokens
        Assert.True(c.Triggered);
        Assert.False(c.IsComplete);
        Assert.Equal([false, false, false, false, false, true, false, false, false, false], Allowed(c)); // only "{"
        c.Accept(5);
        c.Accept(6);
        Assert.Equal([false, false, false, false, false, false, true, true, false, false], Allowed(c)); // more digits or "}"
        c.Accept(7);
        Assert.True(c.IsComplete);
        Assert.True(Allowed(c)[9]); // now it may end
    }

    [Fact]
    public void Text_after_the_trigger_in_the_same_token_counts()
    {
        var c = (TriggeredConstraint)Factory().Create(50);
        c.Accept(4); // "<t>{"
        Assert.True(c.Triggered);
        Assert.True(Allowed(c)[6]);
        Assert.False(Allowed(c)[5]);
    }

    [Fact]
    public void A_false_start_does_not_trigger_and_nothing_before_the_trigger_is_masked()
    {
        var c = (TriggeredConstraint)Factory().Create(50);
        c.Accept(1); // "<t"
        c.Accept(8); // "x": not the trigger after all
        c.Accept(2); // ">"
        Assert.False(c.Triggered);
        Assert.True(c.IsComplete);
        Assert.All(Allowed(c), Assert.True);
    }
}
