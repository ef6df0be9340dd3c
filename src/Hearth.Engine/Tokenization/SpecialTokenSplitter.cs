namespace Hearth.Engine.Tokenization;

/// <summary>A stretch of the input: either plain text (<see cref="Token"/> is -1) or one special token.</summary>
readonly record struct Fragment(int Token, int Start, int Length);

/// <summary>
/// Cuts special-token text out of the input before tokenization (llama.cpp's tokenizer_st_partition):
/// for each special token, longest first, every occurrence inside the remaining plain text becomes that token.
/// Control and unknown tokens are matched only when parsing special text; user-defined tokens always.
/// </summary>
static class SpecialTokenSplitter
{
    public static List<Fragment> Split(Vocabulary vocab, string text, bool parseSpecial)
    {
        var fragments = new List<Fragment>();
        if (text.Length == 0) return fragments;
        fragments.Add(new Fragment(-1, 0, text.Length));
        // Most prompts hold no special text at all: one multi-string search settles that.
        var candidates = parseSpecial ? vocab.AllSpecialTexts : vocab.AlwaysSpecialTexts;
        if (candidates == null || text.AsSpan().IndexOfAny(candidates) < 0) return fragments;

        var next = new List<Fragment>();
        foreach (var id in vocab.SpecialTokens)
        {
            var attributes = vocab.Attributes[id];
            if (!parseSpecial && (attributes & (TokenAttributes.Control | TokenAttributes.Unknown)) != 0) continue;
            var special = vocab.Tokens[id];
            if (!AnyOccurrence(text, fragments, special)) continue;

            next.Clear();
            foreach (var fragment in fragments)
            {
                if (fragment.Token >= 0) { next.Add(fragment); continue; }
                CutOut(text, fragment, id, special, attributes, next);
            }
            (fragments, next) = (next, fragments);
        }
        return fragments;
    }

    static bool AnyOccurrence(string text, List<Fragment> fragments, string special)
    {
        foreach (var f in fragments)
            if (f.Token < 0 && text.AsSpan(f.Start, f.Length).IndexOf(special, StringComparison.Ordinal) >= 0) return true;
        return false;
    }

    static void CutOut(string text, Fragment fragment, int id, string special, TokenAttributes attributes, List<Fragment> output)
    {
        int start = fragment.Start, end = fragment.Start + fragment.Length;
        while (start < end)
        {
            int match = text.AsSpan(start, end - start).IndexOf(special, StringComparison.Ordinal);
            if (match < 0) break;
            match += start;

            int leftEnd = match;
            if ((attributes & TokenAttributes.LStrip) != 0)
                while (leftEnd > start && IsCSpace(text[leftEnd - 1])) leftEnd--;
            if (leftEnd > start) output.Add(new Fragment(-1, start, leftEnd - start));

            output.Add(new Fragment(id, match, special.Length));

            start = match + special.Length;
            if ((attributes & TokenAttributes.RStrip) != 0)
                while (start < end && IsCSpace(text[start])) start++;
        }
        if (start < end) output.Add(new Fragment(-1, start, end - start));
    }

    /// <summary>C's isspace in the "C" locale, which llama.cpp uses to strip around special tokens.</summary>
    static bool IsCSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';
}
