using System.Text;

namespace Hearth.Engine.Grammar;

/// <summary>
/// Builds a <see cref="Grammar"/>: rules are made first and defined later, so they can refer to each other (and
/// themselves). A sequence is an <c>int[]</c> of element codes from <see cref="Byte"/>, <see cref="Class"/> and <see cref="Ref"/>.
/// </summary>
internal sealed class GrammarBuilder
{
    readonly List<int[][]?> _rules = [];
    readonly List<ulong> _classBits = [];
    readonly Dictionary<(ulong, ulong, ulong, ulong), int> _classes = [];
    readonly Dictionary<string, int> _named = [];

    public int NewRule()
    {
        _rules.Add(null);
        return _rules.Count - 1;
    }

    public void Define(int rule, params int[][] alternatives)
    {
        if (_rules[rule] is not null) throw new InvalidOperationException($"Rule {rule} is defined twice.");
        _rules[rule] = alternatives;
    }

    /// <summary>A new rule with these alternatives; returns its reference element.</summary>
    public int Rule(params int[][] alternatives)
    {
        var r = NewRule();
        Define(r, alternatives);
        return Ref(r);
    }

    /// <summary>A rule made once per name (shared pieces such as "a JSON string").</summary>
    public int Shared(string name, Func<GrammarBuilder, int[][]> alternatives)
    {
        if (_named.TryGetValue(name, out var r)) return Ref(r);
        r = NewRule();
        _named[name] = r;
        Define(r, alternatives(this));
        return Ref(r);
    }

    public static int Ref(int rule) => (rule << 1) | 1;

    public int Class(ReadOnlySpan<byte> bytes)
    {
        Span<ulong> bits = stackalloc ulong[4];
        foreach (var b in bytes) bits[b >> 6] |= 1UL << (b & 63);
        return Class(bits);
    }

    public int Range(byte lo, byte hi)
    {
        Span<ulong> bits = stackalloc ulong[4];
        for (var b = (int)lo; b <= hi; b++) bits[b >> 6] |= 1UL << (b & 63);
        return Class(bits);
    }

    public int Byte(byte b) => Range(b, b);

    public int Class(ReadOnlySpan<ulong> bits)
    {
        var key = (bits[0], bits[1], bits[2], bits[3]);
        if (!_classes.TryGetValue(key, out var id))
        {
            id = _classBits.Count / 4;
            _classes[key] = id;
            foreach (var w in bits) _classBits.Add(w);
        }
        return id << 1;
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, one element each.</summary>
    public int[] Literal(string text) => Encoding.UTF8.GetBytes(text).Select(Byte).ToArray();

    public static int[] Seq(params int[][] parts) => parts.SelectMany(p => p).ToArray();

    public int Optional(int[] sequence) => Rule(sequence, []);

    /// <summary>Zero or more repetitions (right-recursive, so the matcher's stack does not grow).</summary>
    public int Star(int[] sequence)
    {
        var r = NewRule();
        Define(r, [.. sequence, Ref(r)], []);
        return Ref(r);
    }

    /// <summary><paramref name="min"/> to <paramref name="max"/> (null: unbounded) repetitions.</summary>
    public int[] Repeat(int[] sequence, int min, int? max)
    {
        var parts = new List<int>();
        for (var i = 0; i < min; i++) parts.AddRange(sequence);
        if (max is null) { parts.Add(Star(sequence)); return [.. parts]; }
        // nested optionals: (x (x (x)?)?)? keeps the grammar linear in max - min
        int[] tail = [];
        for (var i = min; i < max; i++) tail = [Optional([.. sequence, .. tail])];
        parts.AddRange(tail);
        return [.. parts];
    }

    public Grammar Build(int rootRule)
    {
        if (rootRule != 0) throw new InvalidOperationException("The root must be the first rule made.");
        var elements = new List<int>();
        var starts = new int[_rules.Count][];
        for (var r = 0; r < _rules.Count; r++)
        {
            var alternatives = _rules[r] ?? throw new InvalidOperationException($"Rule {r} is never defined.");
            starts[r] = new int[alternatives.Length];
            for (var a = 0; a < alternatives.Length; a++)
            {
                starts[r][a] = elements.Count;
                elements.AddRange(alternatives[a]);
                elements.Add(Grammar.End);
            }
        }
        return new Grammar([.. elements], starts, [.. _classBits]);
    }
}
