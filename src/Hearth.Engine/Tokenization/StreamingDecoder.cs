using System.Buffers;
using System.Text;

namespace Hearth.Engine.Tokenization;

/// <summary>
/// Turns generated tokens into text as they arrive. A token can end in the middle of a UTF-8 sequence
/// (byte-fallback and byte-level tokens often do); those bytes are held back until the sequence is
/// complete, so no chunk ever contains half a character. Bytes that can never become valid are emitted
/// as U+FFFD at once; <see cref="Flush"/> emits whatever is still held, broken sequences as U+FFFD.
/// Each token's text is kept exactly (llama.cpp's token_to_piece), leading spaces included.
/// </summary>
public sealed class StreamingDecoder
{
    readonly Tokenizer _tokenizer;
    readonly bool _renderSpecial;
    readonly IReadOnlySet<int>? _rendered;
    byte[] _pending = new byte[16];
    int _count;

    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="renderSpecial">Give control tokens' text instead of nothing.</param>
    /// <param name="rendered">Control tokens whose text is given even without <paramref name="renderSpecial"/> (a tool-call format's tags).</param>
    public StreamingDecoder(Tokenizer tokenizer, bool renderSpecial = false, IReadOnlySet<int>? rendered = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _renderSpecial = renderSpecial;
        _rendered = rendered is { Count: > 0 } ? rendered : null;
    }

    /// <summary>Adds one token; returns the text that is now complete (possibly empty).</summary>
    public string Push(int tokenId)
    {
        var bytes = _tokenizer.TokenBytes(tokenId, _renderSpecial || (_rendered?.Contains(tokenId) ?? false));
        if (_count + bytes.Length > _pending.Length) Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _count + bytes.Length));
        bytes.CopyTo(_pending, _count);
        _count += bytes.Length;
        return Drain(final: false);
    }

    /// <summary>Returns everything still held back (incomplete sequences as U+FFFD) and resets.</summary>
    public string Flush() => Drain(final: true);

    string Drain(bool final)
    {
        if (_count == 0) return "";
        var input = _pending.AsSpan(0, _count);
        var text = new StringBuilder(_count);
        int offset = 0;
        while (offset < input.Length)
        {
            var status = Rune.DecodeFromUtf8(input[offset..], out var rune, out int consumed);
            if (status == OperationStatus.NeedMoreData && !final) break; // a valid start of a longer sequence: wait
            text.Append(status == OperationStatus.Done ? rune.ToString() : "\uFFFD");
            offset += consumed;
        }
        input[offset..].CopyTo(_pending);
        _count -= offset;
        return text.ToString();
    }
}
