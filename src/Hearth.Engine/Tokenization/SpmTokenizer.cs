using System.Buffers;
using System.Text;

namespace Hearth.Engine.Tokenization;

/// <summary>
/// SentencePiece byte-fallback BPE as llama.cpp runs it (llm_tokenizer_spm): spaces become '▁', every
/// codepoint starts as a symbol, and the adjacent pair whose joined text is the highest-scoring token is
/// merged until none is left; symbols that are not tokens fall back to &lt;0xXX&gt; byte tokens.
/// </summary>
sealed class SpmTokenizer : Tokenizer
{
    const char SpaceMarker = '\u2581'; // '▁'
    readonly int[] _byteTokens = new int[256];

    internal SpmTokenizer(Vocabulary vocab) : base(vocab)
    {
        for (int b = 0; b < 256; b++)
        {
            if (vocab.TokenToId.TryGetValue($"<0x{b:X2}>", out var id)) _byteTokens[b] = id;
            else if (b < 0x80 && vocab.TokenToId.TryGetValue(((char)b).ToString(), out id)) _byteTokens[b] = id;
            else _byteTokens[b] = -1;
        }
    }

    public override string Model => "llama";

    private protected override void EncodeText(ReadOnlySpan<char> fragment, bool afterSpecial, List<int> output)
    {
        bool prefix = AddSpacePrefix && afterSpecial;
        int length = fragment.Length + (prefix ? 1 : 0);
        var rented = ArrayPool<char>.Shared.Rent(length);
        try
        {
            var text = rented.AsSpan(0, length);
            if (prefix) text[0] = ' ';
            fragment.CopyTo(text[(prefix ? 1 : 0)..]);
            text.Replace(' ', SpaceMarker);
            Tokenize(text, output);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>A symbol is a stretch of the text; merged-away symbols have length 0.</summary>
    struct Symbol { public int Start, Length, Prev, Next; }

    void Tokenize(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty) return;

        // one symbol per codepoint
        var symbols = new List<Symbol>(text.Length);
        for (int offset = 0; offset < text.Length;)
        {
            int n = char.IsHighSurrogate(text[offset]) && offset + 1 < text.Length && char.IsLowSurrogate(text[offset + 1]) ? 2 : 1;
            int index = symbols.Count;
            offset += n;
            symbols.Add(new Symbol { Start = offset - n, Length = n, Prev = index - 1, Next = offset == text.Length ? -1 : index + 1 });
        }
        var sym = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols);

        // Highest score first; among equal scores the leftmost pair.
        var queue = new PriorityQueue<(int Left, int Right, int Size), (float Score, int Left)>(sym.Length, BigramOrder.Instance);
        for (int i = 1; i < sym.Length; i++) TryAddBigram(text, sym, queue, i - 1, i);

        while (queue.TryDequeue(out var bigram, out _))
        {
            ref var left = ref sym[bigram.Left];
            ref var right = ref sym[bigram.Right];
            // Skip pairs whose symbols changed since they were queued.
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != bigram.Size) continue;

            left.Length += right.Length;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) sym[right.Next].Prev = bigram.Left;

            TryAddBigram(text, sym, queue, left.Prev, bigram.Left);
            TryAddBigram(text, sym, queue, bigram.Left, left.Next);
        }

        Span<byte> utf8 = stackalloc byte[8];
        for (int i = 0; i != -1; i = sym[i].Next)
        {
            var piece = text.Slice(sym[i].Start, sym[i].Length);
            if (Lookup.TryGetValue(piece, out var id)) { output.Add(id); continue; }
            // Not a token, so a single codepoint (merges only make tokens): its UTF-8 bytes as byte tokens.
            int count = Encoding.UTF8.GetBytes(piece, utf8);
            for (int j = 0; j < count; j++)
            {
                int token = _byteTokens[utf8[j]];
                if (token >= 0) output.Add(token);
                else if (UnknownId is int unk) output.Add(unk);
            }
        }
    }

    void TryAddBigram(ReadOnlySpan<char> text, Span<Symbol> sym, PriorityQueue<(int, int, int), (float, int)> queue, int left, int right)
    {
        if (left == -1 || right == -1) return;
        int size = sym[left].Length + sym[right].Length;
        if (!Lookup.TryGetValue(text.Slice(sym[left].Start, size), out var id)) return;
        queue.Enqueue((left, right, size), (Vocab.Scores[id], left));
    }

    sealed class BigramOrder : IComparer<(float Score, int Left)>
    {
        public static readonly BigramOrder Instance = new();
        public int Compare((float Score, int Left) x, (float Score, int Left) y)
        {
            if (x.Score > y.Score) return -1;
            if (x.Score < y.Score) return 1;
            return x.Left.CompareTo(y.Left);
        }
    }

    private protected override byte[] Piece(int id, TokenAttributes attributes)
    {
        var text = Vocab.Tokens[id];
        if ((attributes & TokenAttributes.UserDefined) != 0) return Encoding.UTF8.GetBytes(text);
        if ((attributes & TokenAttributes.Normal) != 0) return Encoding.UTF8.GetBytes(text.Replace(SpaceMarker, ' '));
        if ((attributes & TokenAttributes.Byte) != 0) return [ParseByteToken(text)];
        return []; // unused and undefined tokens render as nothing
    }

    /// <summary>The byte of a "&lt;0xXX&gt;" token.</summary>
    internal static byte ParseByteToken(string text) =>
        text.Length >= 5 && byte.TryParse(text.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var b) ? b : (byte)0;
}
