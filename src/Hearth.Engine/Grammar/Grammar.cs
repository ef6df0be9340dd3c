namespace Hearth.Engine.Grammar;

/// <summary>
/// A context-free grammar over bytes, compiled (for example from a JSON schema by <see cref="JsonSchemaGrammar"/>).
/// Immutable and shareable; <see cref="GrammarConstraintFactory"/> binds it to a vocabulary for decoding.
/// Layout (llama.cpp's): every alternative of every rule is a run of elements in <see cref="Elements"/> ending in
/// <see cref="End"/>; an element is a byte class (even code) or a rule reference (odd code). Rule 0 is the root.
/// </summary>
public sealed class Grammar
{
    internal const int End = -1;

    internal readonly int[] Elements;
    internal readonly int[][] RuleStarts;  // per rule: where each alternative begins in Elements
    internal readonly ulong[] ClassBits;   // four words (256 bits) per byte class
    internal readonly int[] MinRest;       // per element position: fewest bytes that finish its alternative from there

    internal Grammar(int[] elements, int[][] ruleStarts, ulong[] classBits)
    {
        Elements = elements;
        RuleStarts = ruleStarts;
        ClassBits = classBits;
        MinRest = ComputeMinRest(elements, ruleStarts);
    }

    public int RuleCount => RuleStarts.Length;

    internal static bool IsClass(int element) => (element & 1) == 0;
    internal static int ClassOf(int element) => element >> 1;
    internal static int RuleOf(int element) => element >> 1;

    internal bool Matches(int element, byte b) => (ClassBits[(ClassOf(element) << 2) + (b >> 6)] >> (b & 63) & 1) != 0;

    // Fewest bytes each rule can produce (a fixpoint: rules refer to each other), then per position the sum to the end.
    static int[] ComputeMinRest(int[] elements, int[][] ruleStarts)
    {
        const int Infinite = int.MaxValue / 4;
        var ruleMin = new int[ruleStarts.Length];
        Array.Fill(ruleMin, Infinite);
        for (var changed = true; changed;)
        {
            changed = false;
            for (var r = 0; r < ruleStarts.Length; r++)
            {
                foreach (var start in ruleStarts[r])
                {
                    var sum = 0;
                    for (var p = start; elements[p] != End && sum < Infinite; p++)
                        sum += IsClass(elements[p]) ? 1 : ruleMin[RuleOf(elements[p])];
                    if (sum < ruleMin[r]) { ruleMin[r] = sum; changed = true; }
                }
            }
        }
        for (var r = 0; r < ruleMin.Length; r++)
            if (ruleMin[r] >= Infinite) throw new UnsupportedSchemaException("$ref", "the schema allows no finite value (a required property or item refers back to itself).");

        var rest = new int[elements.Length];
        for (var p = elements.Length - 1; p >= 0; p--)
        {
            var e = elements[p];
            rest[p] = e == End ? 0 : rest[p + 1] + (IsClass(e) ? 1 : ruleMin[RuleOf(e)]);
        }
        return rest;
    }
}
