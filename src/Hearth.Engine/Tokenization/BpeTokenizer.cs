using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Hearth.Engine.Gguf;

namespace Hearth.Engine.Tokenization;

/// <summary>
/// Byte-level BPE as llama.cpp runs it (llm_tokenizer_bpe): the pre-tokenizer cuts the text into words,
/// each word's UTF-8 bytes are written in GPT-2's byte alphabet, and within a word the adjacent pair with
/// the lowest merge rank is merged until no ranked pair is left.
/// </summary>
sealed class BpeTokenizer : Tokenizer
{
    /// <summary>Pre-tokenizer names that llama.cpp treats as Llama 3: whole-word tokens skip merging, BOS is added.</summary>
    static readonly HashSet<string> Llama3Names = ["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"];

    readonly PreTokenizer _preTokenizer;
    readonly bool _ignoreMerges;
    // Merge lookup: both halves are interned to ids (vocabulary ids, then extra strings), the pair keys the rank.
    readonly Dictionary<long, int> _mergeRanks;
    readonly int[] _mergeResults; // interned id of the merged string per rank, -1 when it never merges further
    readonly int[] _byteSymbols;  // interned id of each byte's one-character string, -1 when none
    readonly int[] _byteTokens;   // vocabulary id of each byte's one-character string, -1 when none
    // Words recur constantly in real text; merging each distinct word once makes encoding several times faster.
    readonly ConcurrentDictionary<string, int[]> _wordCache = new(StringComparer.Ordinal);
    const int WordCacheLimit = 1 << 16;

    public string PreTokenizerName { get; }

    BpeTokenizer(Vocabulary vocab, PreTokenizer preTokenizer, bool ignoreMerges, string[] merges) : base(vocab)
    {
        _preTokenizer = preTokenizer;
        _ignoreMerges = ignoreMerges;
        PreTokenizerName = preTokenizer.Name;

        // Merge halves that are not tokens themselves get ids above the vocabulary.
        var extra = new Dictionary<string, int>(StringComparer.Ordinal);
        var extraLookup = extra.GetAlternateLookup<ReadOnlySpan<char>>();
        var lookup = Lookup;
        bool TryFind(ReadOnlySpan<char> s, out int id) => lookup.TryGetValue(s, out id) || extraLookup.TryGetValue(s, out id);
        int Intern(ReadOnlySpan<char> s)
        {
            if (TryFind(s, out var id)) return id;
            id = vocab.Count + extra.Count;
            extraLookup[s] = id;
            return id;
        }

        _mergeRanks = new Dictionary<long, int>(merges.Length, PairComparer.Instance);
        var halves = new (int Left, int Right, int Split)[merges.Length];
        for (int rank = 0; rank < merges.Length; rank++)
        {
            var merge = merges[rank];
            int split = merge.Length > 1 ? merge.IndexOf(' ', 1) : -1;
            if (split < 0) { halves[rank] = (-1, -1, -1); continue; }
            int left = Intern(merge.AsSpan(0, split)), right = Intern(merge.AsSpan(split + 1));
            halves[rank] = (left, right, split);
            _mergeRanks.TryAdd(Key(left, right), rank); // the first rank of a pair wins, as with std::map::emplace
        }

        _mergeResults = new int[merges.Length];
        var joined = new char[256];
        for (int rank = 0; rank < merges.Length; rank++)
        {
            var (left, right, split) = halves[rank];
            _mergeResults[rank] = -1;
            if (left < 0) continue;
            var merge = merges[rank];
            int length = merge.Length - 1;
            if (joined.Length < length) joined = new char[length * 2];
            merge.AsSpan(0, split).CopyTo(joined);
            merge.AsSpan(split + 1).CopyTo(joined.AsSpan(split));
            if (TryFind(joined.AsSpan(0, length), out var result)) _mergeResults[rank] = result;
        }

        _byteSymbols = new int[256];
        _byteTokens = new int[256];
        for (int b = 0; b < 256; b++)
        {
            var s = ByteLevel.ByteToChar[b].ToString();
            _byteSymbols[b] = TryFind(s, out var sid) ? sid : -1;
            _byteTokens[b] = vocab.TokenToId.TryGetValue(s, out var tid) ? tid : -1;
        }
    }

    internal static BpeTokenizer Create(GgufFile file)
    {
        var pre = file.GetString(Vocabulary.PreKey);
        if (string.IsNullOrEmpty(pre)) pre = "default"; // llama.cpp warns and falls back, as here
        var preTokenizer = PreTokenizer.ForName(pre)
            ?? throw new UnsupportedTokenizerException(
                $"Pre-tokenizer '{pre}' ({Vocabulary.PreKey}) is not supported; supported are llama-bpe (llama3), qwen2, gpt-2, smollm, default and their aliases.");
        var merges = file.GetArray<string>(Vocabulary.MergesKey)
            ?? throw new InvalidTokenizerException($"GGUF file has no '{Vocabulary.MergesKey}' array, which a 'gpt2' tokenizer needs");

        bool llama3 = Llama3Names.Contains(pre);
        var vocab = Vocabulary.Load(file, VocabularyKind.BytePairEncoding, addBosByDefault: llama3);
        return new BpeTokenizer(vocab, preTokenizer, ignoreMerges: llama3, merges);
    }

    public override string Model => "gpt2";

    static long Key(int left, int right) => (long)left << 32 | (uint)right;

    /// <summary>long's own hash is left ^ right, which collides badly for id pairs; mix the bits instead.</summary>
    sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();
        public bool Equals(long x, long y) => x == y;
        public int GetHashCode(long key) => (int)((ulong)key * 0x9E3779B97F4A7C15UL >> 32);
    }

    struct Symbol { public int Start, Length, Prev, Next, Interned; }

    private protected override void EncodeText(ReadOnlySpan<char> text, bool afterSpecial, List<int> output)
    {
        var cpts = Codepoints.FromString(text);
        var words = _preTokenizer.Split(cpts);

        var word = new StringBuilder();
        Span<byte> utf8 = stackalloc byte[4];
        var symbols = new List<Symbol>();
        var queue = new PriorityQueue<(int Left, int Right, int Size, int Rank), (int Rank, int Left)>();
        int start = 0;
        foreach (var length in words)
        {
            // the word's UTF-8 bytes in GPT-2's byte alphabet, one character per byte
            word.Clear();
            symbols.Clear();
            for (int i = start; i < start + length; i++)
            {
                int n = new Rune(cpts[i]).EncodeToUtf8(utf8);
                for (int j = 0; j < n; j++)
                {
                    int index = symbols.Count;
                    symbols.Add(new Symbol { Start = word.Length, Length = 1, Prev = index - 1, Next = index + 1, Interned = _byteSymbols[utf8[j]] });
                    word.Append(ByteLevel.ByteToChar[utf8[j]]);
                }
            }
            start += length;
            EncodeWord(word.ToString(), symbols, queue, output);
        }
    }

    void EncodeWord(string word, List<Symbol> symbolList, PriorityQueue<(int Left, int Right, int Size, int Rank), (int Rank, int Left)> queue, List<int> output)
    {
        if (word.Length == 0) return;
        if (_ignoreMerges && Lookup.TryGetValue(word, out var whole)) { output.Add(whole); return; }
        if (_wordCache.TryGetValue(word, out var cached)) { output.AddRange(cached); return; }
        int first = output.Count;

        var sym = CollectionsMarshal.AsSpan(symbolList);
        sym[^1].Next = -1;
        queue.Clear();
        for (int i = 1; i < sym.Length; i++) AddBigram(sym, queue, i - 1, i);

        // lowest rank first; among equal ranks the leftmost pair
        while (queue.TryDequeue(out var bigram, out _))
        {
            ref var left = ref sym[bigram.Left];
            ref var right = ref sym[bigram.Right];
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != bigram.Size) continue; // outdated

            left.Length += right.Length;
            left.Interned = _mergeResults[bigram.Rank];
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) sym[right.Next].Prev = bigram.Left;

            AddBigram(sym, queue, left.Prev, bigram.Left);
            AddBigram(sym, queue, bigram.Left, left.Next);
        }

        for (int i = 0; i != -1; i = sym[i].Next)
        {
            var piece = word.AsSpan(sym[i].Start, sym[i].Length);
            if (Lookup.TryGetValue(piece, out var id)) { output.Add(id); continue; }
            // not a token: one token per byte, where the vocabulary has one
            foreach (var c in piece)
            {
                int token = _byteTokens[ByteLevel.ToByte(c)];
                if (token >= 0) output.Add(token);
            }
        }

        if (_wordCache.Count >= WordCacheLimit) _wordCache.Clear();
        _wordCache.TryAdd(word, [.. CollectionsMarshal.AsSpan(output)[first..]]);
    }

    void AddBigram(Span<Symbol> sym, PriorityQueue<(int, int, int, int), (int, int)> queue, int left, int right)
    {
        if (left == -1 || right == -1) return;
        int a = sym[left].Interned, b = sym[right].Interned;
        if (a < 0 || b < 0 || !_mergeRanks.TryGetValue(Key(a, b), out var rank)) return;
        queue.Enqueue((left, right, sym[left].Length + sym[right].Length, rank), (rank, left));
    }

    private protected override byte[] Piece(int id, TokenAttributes attributes)
    {
        var text = Vocab.Tokens[id];
        if ((attributes & TokenAttributes.UserDefined) != 0) return Encoding.UTF8.GetBytes(text);
        if ((attributes & TokenAttributes.Normal) != 0) return DecodeByteLevel(text);
        if ((attributes & TokenAttributes.Byte) != 0) return [SpmTokenizer.ParseByteToken(text)];
        return [];
    }

    /// <summary>Byte-level characters back to bytes (llama.cpp's llama_decode_text, including its marker for characters outside the alphabet).</summary>
    static byte[] DecodeByteLevel(string text)
    {
        var bytes = new List<byte>(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            int b = ByteLevel.ToByte(rune.Value);
            if (b >= 0) { bytes.Add((byte)b); continue; }
            var marker = new StringBuilder("[UNK_BYTE_0x");
            int n = rune.EncodeToUtf8(utf8);
            for (int i = 0; i < n; i++) marker.Append(utf8[i].ToString("x2"));
            marker.Append(text).Append(']');
            bytes.AddRange(Encoding.UTF8.GetBytes(marker.ToString()));
        }
        return [.. bytes];
    }
}
