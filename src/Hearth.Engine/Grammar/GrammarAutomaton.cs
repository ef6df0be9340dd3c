namespace Hearth.Engine.Grammar;

/// <summary>
/// A <see cref="Grammar"/> run as a pushdown automaton over bytes, its states made on demand and numbered, so that a
/// step is a table lookup once seen. A state is the set of parse stacks alive after the bytes so far (a grammar may be
/// ambiguous, as llama.cpp's grammar stacks are); each stack is hash-consed as (position of the next element, rest).
/// Stack 0 is the empty stack: a state holding it is complete. Not thread-safe.
/// </summary>
internal sealed class GrammarAutomaton
{
    public const int Dead = -1;
    const int Unknown = int.MinValue;

    readonly Grammar _grammar;
    readonly int[] _elements;

    // stacks: top element position, the stack below, and the fewest bytes that empty it
    readonly List<int> _stackTop = [-1];
    readonly List<int> _stackParent = [-1];
    readonly List<int> _stackDistance = [0];
    readonly Dictionary<(int Top, int Parent), int> _stackIds = [];

    // states: sorted stack sets whose tops are byte classes (or the empty stack)
    readonly Dictionary<int[], int> _stateIds = new(new SetComparer());
    readonly List<int[]> _stateStacks = [];
    readonly List<int> _stateDistance = [];
    int[][] _rows = new int[64][];

    // scratch for one transition
    readonly List<int> _next = [];
    readonly HashSet<int> _expanded = [];

    public GrammarAutomaton(Grammar grammar)
    {
        _grammar = grammar;
        _elements = grammar.Elements;
        foreach (var start in grammar.RuleStarts[0]) Push(start, 0);
        Start = Intern();
    }

    public int Start { get; }

    public int StateCount => _stateStacks.Count;

    /// <summary>The state after <paramref name="b"/>, or <see cref="Dead"/> when the grammar does not allow it.</summary>
    public int Next(int state, byte b)
    {
        var row = _rows[state];
        var next = row[b];
        if (next == Unknown) next = row[b] = Compute(state, b);
        return next;
    }

    public bool IsComplete(int state) => _stateStacks[state][0] == 0;

    /// <summary>Fewest bytes that complete the grammar from <paramref name="state"/>.</summary>
    public int Distance(int state) => _stateDistance[state];

    int Compute(int state, byte b)
    {
        foreach (var stack in _stateStacks[state])
        {
            if (stack == 0) continue;
            var top = _stackTop[stack];
            if (_grammar.Matches(_elements[top], b)) Push(top + 1, _stackParent[stack]);
        }
        return Intern();
    }

    // Continues at element position `pos` above `parent`, expanding rule references until byte classes are on top.
    void Push(int pos, int parent) => Expand(_elements[pos] == Grammar.End ? parent : StackOf(pos, parent));

    void Expand(int stack)
    {
        if (!_expanded.Add(stack)) return; // the same stack twice (or an empty loop) adds nothing new
        if (stack == 0) { _next.Add(0); return; }
        var top = _stackTop[stack];
        var element = _elements[top];
        if (Grammar.IsClass(element)) { _next.Add(stack); return; }
        var parent = _stackParent[stack];
        var continuation = _elements[top + 1] == Grammar.End ? parent : StackOf(top + 1, parent);
        foreach (var start in _grammar.RuleStarts[Grammar.RuleOf(element)])
            Expand(_elements[start] == Grammar.End ? continuation : StackOf(start, continuation));
    }

    int StackOf(int top, int parent)
    {
        if (_stackIds.TryGetValue((top, parent), out var id)) return id;
        id = _stackTop.Count;
        _stackTop.Add(top);
        _stackParent.Add(parent);
        _stackDistance.Add(_grammar.MinRest[top] + _stackDistance[parent]);
        _stackIds[(top, parent)] = id;
        return id;
    }

    // Numbers the stack set gathered in _next (Dead when empty).
    int Intern()
    {
        _expanded.Clear();
        if (_next.Count == 0) return Dead;
        _next.Sort();
        var set = new List<int>(_next.Count);
        foreach (var s in _next)
            if (set.Count == 0 || set[^1] != s) set.Add(s);
        _next.Clear();
        var key = set.ToArray();
        if (_stateIds.TryGetValue(key, out var id)) return id;
        id = _stateStacks.Count;
        _stateIds[key] = id;
        _stateStacks.Add(key);
        var distance = int.MaxValue;
        foreach (var s in key) distance = Math.Min(distance, _stackDistance[s]);
        _stateDistance.Add(distance);
        if (id == _rows.Length) Array.Resize(ref _rows, id * 2);
        var row = new int[256];
        Array.Fill(row, Unknown);
        _rows[id] = row;
        return id;
    }

    sealed class SetComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] set)
        {
            var hash = new HashCode();
            foreach (var s in set) hash.Add(s);
            return hash.ToHashCode();
        }
    }
}
