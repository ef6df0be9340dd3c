namespace Hearth.Engine.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: every byte maps to one printable character, so byte strings can be
/// BPE vocabulary strings. Printable Latin-1 bytes map to themselves; the rest to U+0100 upwards.
/// </summary>
static class ByteLevel
{
    public static readonly char[] ByteToChar = BuildByteToChar();
    static readonly short[] CharToByte = BuildCharToByte();

    /// <summary>The byte a byte-level character stands for, or -1 when it is not in the alphabet.</summary>
    public static int ToByte(int c) => (uint)c < (uint)CharToByte.Length ? CharToByte[c] : -1;

    static char[] BuildByteToChar()
    {
        var map = new char[256];
        var assigned = new bool[256];
        for (int b = 0x21; b <= 0x7E; b++) { map[b] = (char)b; assigned[b] = true; }
        for (int b = 0xA1; b <= 0xAC; b++) { map[b] = (char)b; assigned[b] = true; }
        for (int b = 0xAE; b <= 0xFF; b++) { map[b] = (char)b; assigned[b] = true; }
        int n = 0;
        for (int b = 0; b < 256; b++)
            if (!assigned[b]) map[b] = (char)(256 + n++);
        return map;
    }

    static short[] BuildCharToByte()
    {
        var table = new short[512];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++) table[ByteToChar[b]] = (short)b;
        return table;
    }
}
