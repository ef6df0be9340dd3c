using System.Buffers;
using Hearth.Engine.Gguf;

namespace Hearth.Engine.Tokenization;

/// <summary>Which llama.cpp tokenizer algorithm a vocabulary uses.</summary>
enum VocabularyKind { SentencePiece, BytePairEncoding }

/// <summary>
/// Token strings, scores, attributes and special-token ids read from GGUF metadata, with the defaults
/// and fix-ups llama.cpp applies in <c>llama_vocab::impl::load</c>.
/// </summary>
sealed class Vocabulary
{
    public const string ModelKey = "tokenizer.ggml.model";
    public const string PreKey = "tokenizer.ggml.pre";
    public const string TokensKey = "tokenizer.ggml.tokens";
    public const string ScoresKey = "tokenizer.ggml.scores";
    public const string TokenTypeKey = "tokenizer.ggml.token_type";
    public const string MergesKey = "tokenizer.ggml.merges";

    public required VocabularyKind Kind { get; init; }
    public required string[] Tokens { get; init; }
    public required float[] Scores { get; init; }
    public required TokenAttributes[] Attributes { get; init; }
    public required Dictionary<string, int> TokenToId { get; init; }
    public Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Lookup => TokenToId.GetAlternateLookup<ReadOnlySpan<char>>();

    public int? Bos, Eos, Eot, Eom, Unknown, Separator, Padding, Mask;
    public int? FimPre, FimSuf, FimMid, FimPad, FimRep, FimSep;
    public bool AddBos, AddEos, AddSpacePrefix;
    public HashSet<int> EndOfGeneration { get; } = [];
    /// <summary>Control, user-defined and unknown tokens, longest text first: the order special text is cut out of a prompt.</summary>
    public int[] SpecialTokens { get; private set; } = [];
    /// <summary>Texts of all special tokens, and of those matched even without parsing special text (user-defined); null when none.</summary>
    public SearchValues<string>? AllSpecialTexts { get; private set; }
    public SearchValues<string>? AlwaysSpecialTexts { get; private set; }

    public int Count => Tokens.Length;

    public static Vocabulary Load(GgufFile file, VocabularyKind kind, bool addBosByDefault = false)
    {
        var tokens = file.GetArray<string>(TokensKey)
            ?? throw new InvalidTokenizerException($"GGUF file has no '{TokensKey}' array");
        int n = tokens.Length;
        if (n == 0) throw new InvalidTokenizerException($"'{TokensKey}' is empty");

        var scores = ReadScores(file, n);
        var types = ReadTokenTypes(file, n);

        var names = new string[n];
        var attributes = new TokenAttributes[n];
        var tokenToId = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            var word = tokens[i].Length == 0 ? $"[EMPTY_{i}]" : tokens[i];
            names[i] = word;
            // llama.cpp rejects duplicates; strings that only collide after UTF-8 decoding replaced invalid bytes keep the first id.
            tokenToId.TryAdd(word, i);
            attributes[i] = types == null ? TokenAttributes.Normal : TokenTypes.ToAttributes(types[i]);
        }

        var vocab = new Vocabulary
        {
            Kind = kind,
            Tokens = names,
            Scores = scores,
            Attributes = attributes,
            TokenToId = tokenToId,
        };
        vocab.ApplyDefaults(kind, addBosByDefault);
        vocab.ReadSpecialIds(file);
        vocab.DetectSpecialTokensByText();
        vocab.BuildEndOfGeneration();
        vocab.BuildSpecialTokenOrder();
        vocab.ApplyModelSpecificAttributes(file);
        return vocab;
    }

    static float[] ReadScores(GgufFile file, int n)
    {
        if (!file.Metadata.TryGetValue(ScoresKey, out var value)) return new float[n];
        float[] scores = value.Value switch
        {
            float[] f => f,
            int[] ints => Array.ConvertAll(ints, i => (float)i),
            _ => throw new InvalidTokenizerException($"'{ScoresKey}' must be an array of float32 or int32"),
        };
        if (scores.Length < n) throw new InvalidTokenizerException($"'{ScoresKey}' has {scores.Length} entries for {n} tokens");
        return scores;
    }

    static int[]? ReadTokenTypes(GgufFile file, int n)
    {
        if (!file.Metadata.TryGetValue(TokenTypeKey, out var value)) return null;
        if (value.Value is not int[] types) throw new InvalidTokenizerException($"'{TokenTypeKey}' must be an array of int32");
        if (types.Length < n) throw new InvalidTokenizerException($"'{TokenTypeKey}' has {types.Length} entries for {n} tokens");
        return types;
    }

    void ApplyDefaults(VocabularyKind kind, bool addBosByDefault)
    {
        if (kind == VocabularyKind.SentencePiece)
        {
            Bos = 1; Eos = 2; Unknown = 0;
            AddSpacePrefix = true; AddBos = true; AddEos = false;
        }
        else
        {
            // llama.cpp's defaults for "gpt2" vocabularies (11 is GPT-NeoX's), normally overridden by the file.
            Bos = 11; Eos = 11;
            AddSpacePrefix = false;
            AddBos = addBosByDefault; // llama.cpp adds BOS by default only for Llama 3 style pre-tokenizers
        }
    }

    void ReadSpecialIds(GgufFile file)
    {
        Bos = SpecialId(file, "tokenizer.ggml.bos_token_id", Bos);
        Eos = SpecialId(file, "tokenizer.ggml.eos_token_id", Eos);
        Eot = SpecialId(file, "tokenizer.ggml.eot_token_id", Eot);
        Eom = SpecialId(file, "tokenizer.ggml.eom_token_id", Eom);
        Unknown = SpecialId(file, "tokenizer.ggml.unknown_token_id", Unknown);
        Separator = SpecialId(file, "tokenizer.ggml.seperator_token_id", Separator);
        Padding = SpecialId(file, "tokenizer.ggml.padding_token_id", Padding);
        Mask = SpecialId(file, "tokenizer.ggml.mask_token_id", Mask);
        FimPre = SpecialId(file, "tokenizer.ggml.fim_pre_token_id", FimPre);
        FimSuf = SpecialId(file, "tokenizer.ggml.fim_suf_token_id", FimSuf);
        FimMid = SpecialId(file, "tokenizer.ggml.fim_mid_token_id", FimMid);
        FimPad = SpecialId(file, "tokenizer.ggml.fim_pad_token_id", FimPad);
        FimRep = SpecialId(file, "tokenizer.ggml.fim_rep_token_id", FimRep);
        FimSep = SpecialId(file, "tokenizer.ggml.fim_sep_token_id", FimSep);
        // deprecated spellings
        FimPre = SpecialId(file, "tokenizer.ggml.prefix_token_id", FimPre);
        FimSuf = SpecialId(file, "tokenizer.ggml.suffix_token_id", FimSuf);
        FimMid = SpecialId(file, "tokenizer.ggml.middle_token_id", FimMid);

        AddSpacePrefix = file.GetBool("tokenizer.ggml.add_space_prefix") ?? AddSpacePrefix;
        AddBos = file.GetBool("tokenizer.ggml.add_bos_token") ?? AddBos;
        AddEos = file.GetBool("tokenizer.ggml.add_eos_token") ?? AddEos;
        if (AddBos && Bos == null)
            throw new InvalidTokenizerException("tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
        if (AddEos && Eos == null)
            throw new InvalidTokenizerException("tokenizer.ggml.add_eos_token is true, but tokenizer.ggml.eos_token_id is not set");
    }

    /// <summary>An id from the file when it is inside the vocabulary, else the default (dropped when the default is outside).</summary>
    int? SpecialId(GgufFile file, string key, int? fallback)
    {
        if (fallback >= Count) fallback = null;
        long? value;
        try { value = file.GetInteger(key); }
        catch (GgufFormatException) { return fallback; }
        return value is >= 0 && value < Count ? (int)value : fallback;
    }

    static readonly string[] EotTexts =
        ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
         "<｜end▁of▁sentence｜>", "<end_of_utterance>"];
    static readonly string[] EomTexts = ["<|eom_id|>"];
    static readonly string[] FimPreTexts = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"];
    static readonly string[] FimSufTexts = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"];
    static readonly string[] FimMidTexts = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"];
    static readonly string[] FimPadTexts = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
    static readonly string[] FimRepTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
    static readonly string[] FimSepTexts = ["<|file_sep|>"];

    /// <summary>Tokens that end generation, by text (llama.cpp's list; see ggml-org/llama.cpp#9606).</summary>
    static readonly string[] EndOfGenerationTexts =
        ["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>",
         "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
         "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~["];

    /// <summary>
    /// Finds EOT, EOM and fill-in-the-middle tokens the file did not name, by their usual text, and marks
    /// them as control tokens (llama.cpp does the same; conversion scripts often leave them "normal").
    /// </summary>
    void DetectSpecialTokensByText()
    {
        Eot ??= FindControl(EotTexts);
        Eom ??= FindControl(EomTexts);
        FimPre ??= FindControl(FimPreTexts);
        FimSuf ??= FindControl(FimSufTexts);
        FimMid ??= FindControl(FimMidTexts);
        FimPad ??= FindControl(FimPadTexts);
        FimRep ??= FindControl(FimRepTexts);
        FimSep ??= FindControl(FimSepTexts);

        // Control tokens named "unused" are unused.
        for (int id = 0; id < Count; id++)
            if ((Attributes[id] & TokenAttributes.Control) != 0 && Tokens[id].Contains("unused", StringComparison.Ordinal))
                Attributes[id] |= TokenAttributes.Unused;
    }

    /// <summary>
    /// The token with the first text of <paramref name="texts"/> that the vocabulary has, now marked as control;
    /// null when none is. (llama.cpp takes whichever its hash map yields first; list order picks the
    /// conventional one, e.g. &lt;|eot_id|&gt; over &lt;|end_of_text|&gt;.)
    /// </summary>
    int? FindControl(string[] texts)
    {
        foreach (var text in texts)
        {
            if (!TokenToId.TryGetValue(text, out var id)) continue;
            Attributes[id] |= TokenAttributes.Control;
            return id;
        }
        return null;
    }

    void BuildEndOfGeneration()
    {
        foreach (var id in new[] { FimPad, FimRep, FimSep })
            if (id is int i) EndOfGeneration.Add(i);
        foreach (var text in EndOfGenerationTexts)
        {
            if (!TokenToId.TryGetValue(text, out var id)) continue;
            EndOfGeneration.Add(id);
            Attributes[id] |= TokenAttributes.Control;
        }

        // gpt-oss: these structural tokens are always rendered.
        foreach (var text in (string[])["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"])
            if (TokenToId.TryGetValue(text, out var id)) Attributes[id] = TokenAttributes.UserDefined;

        foreach (var id in new[] { Eos, Eot, Eom })
            if (id is int i) EndOfGeneration.Add(i);

        // o200k_harmony and solar-open: "<|end|>" ends a message, not the generation.
        bool HasEog(string text) => TokenToId.TryGetValue(text, out var id) && EndOfGeneration.Contains(id);
        if (((HasEog("<|return|>") && (HasEog("<|call|>") || HasEog("<|calls|>"))) || ((HasEog("<|call|>") || HasEog("<|calls|>")) && HasEog("<|flush|>")))
            && HasEog("<|end|>"))
        {
            int end = TokenToId["<|end|>"];
            EndOfGeneration.Remove(end);
            Attributes[end] = TokenAttributes.UserDefined;
        }
        // gemma4 and paddleocr: "</s>" is not an end of generation there.
        if (HasEog("<|tool_response>") && HasEog("</s>"))
        {
            int s = TokenToId["</s>"];
            EndOfGeneration.Remove(s);
            Attributes[s] = TokenAttributes.Normal;
        }
    }

    void BuildSpecialTokenOrder()
    {
        const TokenAttributes special = TokenAttributes.Control | TokenAttributes.UserDefined | TokenAttributes.Unknown;
        var ids = new List<int>();
        for (int id = 0; id < Count; id++)
            if ((Attributes[id] & special) != 0) ids.Add(id);
        // Longest first so that a token is never cut out of a longer one; ties keep id order.
        SpecialTokens = [.. ids.OrderByDescending(id => System.Text.Encoding.UTF8.GetByteCount(Tokens[id]))];
        AllSpecialTexts = TextsOf(SpecialTokens);
        AlwaysSpecialTexts = TextsOf([.. SpecialTokens.Where(id => (Attributes[id] & (TokenAttributes.Control | TokenAttributes.Unknown)) == 0)]);
    }

    SearchValues<string>? TextsOf(int[] ids) =>
        ids.Length == 0 ? null : SearchValues.Create([.. ids.Select(id => Tokens[id]).Distinct()], StringComparison.Ordinal);

    /// <summary>llama.cpp's per-model attribute overrides that affect tokenization (Phi-3 strips spaces after special tokens).</summary>
    void ApplyModelSpecificAttributes(GgufFile file)
    {
        var name = (file.GetString("general.name") ?? "").ToLowerInvariant();
        if (!name.Contains("phi-3") && !name.Contains("phi3")) return;
        foreach (var id in SpecialTokens) Attributes[id] |= TokenAttributes.RStrip;
        if (TokenToId.TryGetValue("</s>", out var eos)) Attributes[eos] |= TokenAttributes.RStrip;
        foreach (var text in (string[])["<unk>", "<s>", "<|endoftext|>"])
            if (TokenToId.TryGetValue(text, out var id)) Attributes[id] &= ~TokenAttributes.RStrip;
    }
}
