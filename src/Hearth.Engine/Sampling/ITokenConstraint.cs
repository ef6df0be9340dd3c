namespace Hearth.Engine.Sampling;

/// <summary>
/// A rule over which tokens may come next (a grammar, for structured output). The <see cref="Sampler"/> applies it
/// after logit bias and penalties and before it picks, so greedy, temperature, top-k, top-p and min-p all respect it.
/// One constraint follows one generation.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Sets the logit of every token that may not come next to negative infinity.</summary>
    void Mask(Span<float> logits);

    /// <summary>Moves past the token that was kept; throws <see cref="InvalidOperationException"/> for a token the mask forbade.</summary>
    void Accept(int token);

    /// <summary>The output so far is a complete sentence of the grammar.</summary>
    bool IsComplete { get; }
}

/// <summary>Makes a fresh <see cref="ITokenConstraint"/> for each generation.</summary>
public interface ITokenConstraintFactory
{
    /// <summary>A constraint for a generation of at most <paramref name="maxTokens"/> tokens (it may steer to finish within them).</summary>
    ITokenConstraint Create(int maxTokens);
}
