using System.Collections.Frozen;
using System.Text;
using Hearth.Engine.Gguf;

namespace Hearth.Engine.Tokenization;

/// <summary>
/// Text to token ids and back, for the vocabulary stored in a GGUF file. Reproduces llama.cpp's
/// tokenizers (llama-vocab.cpp) exactly: SentencePiece ("llama") and byte-level BPE ("gpt2") with the
/// pre-tokenizer named by <c>tokenizer.ggml.pre</c>. Instances are immutable and safe to share between threads.
/// </summary>
public abstract class Tokenizer
{
    private protected readonly Vocabulary Vocab;
    private protected readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup;
    readonly byte[]?[] _pieces;
    readonly FrozenSet<int> _endOfGeneration;

    private protected Tokenizer(Vocabulary vocab)
    {
        Vocab = vocab;
        Lookup = vocab.Lookup;
        _pieces = new byte[vocab.Count][];
        _endOfGeneration = vocab.EndOfGeneration.ToFrozenSet();
    }

    /// <summary>Builds the tokenizer described by a GGUF file's <c>tokenizer.ggml.*</c> metadata.</summary>
    /// <exception cref="UnsupportedTokenizerException">The tokenizer model or pre-tokenizer is not implemented.</exception>
    /// <exception cref="InvalidTokenizerException">The tokenizer metadata is missing or inconsistent.</exception>
    public static Tokenizer FromGguf(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var model = file.GetString(Vocabulary.ModelKey)
            ?? throw new InvalidTokenizerException($"GGUF file has no '{Vocabulary.ModelKey}' (it holds no tokenizer)");
        return model switch
        {
            "llama" => new SpmTokenizer(Vocabulary.Load(file, VocabularyKind.SentencePiece)),
            "gpt2" => BpeTokenizer.Create(file),
            _ => throw new UnsupportedTokenizerException(
                $"Tokenizer model '{model}' is not supported; supported are 'llama' (SentencePiece) and 'gpt2' (byte-level BPE)."),
        };
    }

    /// <summary>"llama" (SentencePiece) or "gpt2" (byte-level BPE).</summary>
    public abstract string Model { get; }
    public int VocabSize => Vocab.Count;
    public int? BosId => Vocab.Bos;
    public int? EosId => Vocab.Eos;
    /// <summary>End of turn (e.g. <c>&lt;|eot_id|&gt;</c>, <c>&lt;|im_end|&gt;</c>), from the file or found by text.</summary>
    public int? EotId => Vocab.Eot;
    /// <summary>End of message (<c>&lt;|eom_id|&gt;</c>).</summary>
    public int? EomId => Vocab.Eom;
    public int? UnknownId => Vocab.Unknown;
    public int? PaddingId => Vocab.Padding;
    /// <summary>Whether <see cref="Encode"/> with addSpecial puts BOS in front.</summary>
    public bool AddBos => Vocab.AddBos;
    /// <summary>Whether <see cref="Encode"/> with addSpecial appends EOS.</summary>
    public bool AddEos => Vocab.AddEos;
    /// <summary>Whether SentencePiece puts a space in front of the text (and after special tokens).</summary>
    public bool AddSpacePrefix => Vocab.AddSpacePrefix;
    /// <summary>Every token that ends generation: EOS, EOT, EOM and tokens llama.cpp recognises by text.</summary>
    public IReadOnlySet<int> EndOfGenerationIds => _endOfGeneration;

    public bool IsEndOfGeneration(int id) => _endOfGeneration.Contains(id);

    public bool IsControl(int id) => (Vocab.Attributes[CheckId(id)] & TokenAttributes.Control) != 0;

    /// <summary>The raw vocabulary string of a token (byte-level BPE strings are in GPT-2's byte alphabet, SentencePiece uses '▁').</summary>
    public string TokenText(int id) => Vocab.Tokens[CheckId(id)];

    /// <summary>Exact vocabulary lookup, e.g. <c>FindToken("&lt;|im_end|&gt;")</c>.</summary>
    public int? FindToken(string text) => Vocab.TokenToId.TryGetValue(text, out var id) ? id : null;

    /// <summary>
    /// Token ids for <paramref name="text"/>. With <paramref name="addSpecial"/> BOS/EOS are added as the
    /// model asks (<see cref="AddBos"/>, <see cref="AddEos"/>). With <paramref name="parseSpecial"/> the text
    /// of control tokens (e.g. <c>&lt;|im_start|&gt;</c>) becomes those tokens; user-defined tokens are always
    /// matched, as in llama.cpp.
    /// </summary>
    public int[] Encode(string text, bool addSpecial = true, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = Codepoints.ReplaceLoneSurrogates(text);
        var output = new List<int>(text.Length / 3 + 4);
        if (addSpecial && AddBos) output.Add(Vocab.Bos!.Value);

        bool previousWasSpecial = true;
        foreach (var fragment in SpecialTokenSplitter.Split(Vocab, text, parseSpecial))
        {
            if (fragment.Token >= 0)
            {
                output.Add(fragment.Token);
                previousWasSpecial = true;
            }
            else
            {
                EncodeText(text.AsSpan(fragment.Start, fragment.Length), previousWasSpecial, output);
                previousWasSpecial = false;
            }
        }

        if (addSpecial && AddEos) output.Add(Vocab.Eos!.Value);
        return [.. output];
    }

    /// <summary>Tokenizes one stretch of plain text (no special tokens in it) onto <paramref name="output"/>.</summary>
    private protected abstract void EncodeText(ReadOnlySpan<char> text, bool afterSpecial, List<int> output);

    /// <summary>The bytes a token contributes to output text; empty for control and unknown tokens.</summary>
    public byte[] TokenBytes(int id) => TokenBytes(id, renderSpecial: false);

    /// <summary>As <see cref="TokenBytes(int)"/>, but with <paramref name="renderSpecial"/> control and unknown tokens give their text.</summary>
    public byte[] TokenBytes(int id, bool renderSpecial)
    {
        CheckId(id);
        const TokenAttributes special = TokenAttributes.Control | TokenAttributes.Unknown;
        var attributes = Vocab.Attributes[id];
        if ((attributes & special) != 0)
            return renderSpecial ? Encoding.UTF8.GetBytes(Vocab.Tokens[id]) : [];
        return _pieces[id] ??= Piece(id, attributes);
    }

    /// <summary>The bytes of a non-special token (llama.cpp's token_to_piece).</summary>
    private protected abstract byte[] Piece(int id, TokenAttributes attributes);

    /// <summary>
    /// Text of a token sequence: the tokens' bytes, UTF-8 decoded (invalid sequences become U+FFFD).
    /// Control tokens give no text. Like llama_detokenize, the space SentencePiece puts in front of the text
    /// is dropped again (after a leading BOS), so <c>Decode(Encode(x)) == x</c>. For generated text use
    /// <see cref="StreamingDecoder"/>, which keeps every token's text as is.
    /// </summary>
    public string Decode(IEnumerable<int> ids) => Decode(ids, renderSpecial: false);

    /// <summary>As <see cref="Decode(IEnumerable{int})"/>; with <paramref name="renderSpecial"/> control tokens give their text.</summary>
    public string Decode(IEnumerable<int> ids, bool renderSpecial)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        bool first = true, stripSpace = AddSpacePrefix;
        foreach (var id in ids)
        {
            var piece = TokenBytes(id, renderSpecial);
            if (first && id == Vocab.Bos && AddBos)
            {
                // A leading BOS does not count as the first piece.
                if (renderSpecial) bytes.AddRange(piece);
                first = false;
                continue;
            }
            int skip = stripSpace && piece.Length > 0 && piece[0] == (byte)' ' ? 1 : 0;
            for (int i = skip; i < piece.Length; i++) bytes.Add(piece[i]);
            stripSpace = false;
            first = false;
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    private protected int CheckId(int id)
    {
        if ((uint)id >= (uint)Vocab.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id must be between 0 and {Vocab.Count - 1}.");
        return id;
    }
}
