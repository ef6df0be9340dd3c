using Hearth.Engine.Gguf;
using Hearth.Engine.Kernels;

namespace Hearth.Engine.Tests.Kernels;

/// <summary>Blocks written byte by byte from ggml's struct layouts, decoded to known values.</summary>
public class BlockDecodingTests
{
    const ushort Half1 = 0x3C00, HalfHalf = 0x3800, Half2 = 0x4000, Half0_25 = 0x3400;

    static float[] Decode(GgmlType type, byte[] block)
    {
        var y = new float[GgmlTypeInfo.BlockSize(type)];
        Dequantize.Row(type, block, y);
        return y;
    }

    static void PutHalf(byte[] b, int offset, ushort h) => BitConverter.TryWriteBytes(b.AsSpan(offset), h);

    [Fact]
    public void Q8_0IsScaleTimesSignedBytes()
    {
        var b = new byte[34];
        PutHalf(b, 0, HalfHalf);
        for (int j = 0; j < 32; j++) b[2 + j] = (byte)(sbyte)(j * 8 - 128);
        var y = Decode(GgmlType.Q8_0, b);
        Assert.Equal(-64f, y[0]);
        Assert.Equal(0f, y[16]);
        Assert.Equal(0.5f * 120, y[31]);
    }

    [Fact]
    public void Q4_0LowNibblesFirstHalfHighNibblesSecond()
    {
        var b = new byte[18];
        PutHalf(b, 0, Half2);
        for (int j = 0; j < 16; j++) b[2 + j] = (byte)(j | ((15 - j) << 4));
        var y = Decode(GgmlType.Q4_0, b);
        for (int j = 0; j < 16; j++)
        {
            Assert.Equal(2f * (j - 8), y[j]);
            Assert.Equal(2f * (7 - j), y[j + 16]);
        }
    }

    [Fact]
    public void Q4_1AddsTheMinimum()
    {
        var b = new byte[20];
        PutHalf(b, 0, HalfHalf);
        PutHalf(b, 2, 0xBC00); // -1
        b[4] = 0x3A; // element 0 = 10, element 16 = 3
        var y = Decode(GgmlType.Q4_1, b);
        Assert.Equal(0.5f * 10 - 1, y[0]);
        Assert.Equal(0.5f * 3 - 1, y[16]);
        Assert.Equal(-1f, y[1]);
    }

    [Fact]
    public void Q5_0TakesTheFifthBitFromQh()
    {
        var b = new byte[22];
        PutHalf(b, 0, Half1);
        uint qh = (1u << 0) | (1u << 17); // element 0 and element 17 get +16
        BitConverter.TryWriteBytes(b.AsSpan(2), qh);
        b[6] = 0x21; // element 0 low nibble 1, element 16 high nibble 2
        b[7] = 0x43; // element 1 = 3, element 17 = 4
        var y = Decode(GgmlType.Q5_0, b);
        Assert.Equal(1 + 16 - 16, y[0]);
        Assert.Equal(2 - 16, y[16]);
        Assert.Equal(3 - 16, y[1]);
        Assert.Equal(4 + 16 - 16, y[17]);
    }

    [Fact]
    public void Q5_1TakesTheFifthBitFromQhAndAddsTheMinimum()
    {
        var b = new byte[24];
        PutHalf(b, 0, Half2);
        PutHalf(b, 2, Half1);
        BitConverter.TryWriteBytes(b.AsSpan(4), 1u << 31); // element 31
        b[8 + 15] = 0x70; // element 15 = 0, element 31 = 7 (+16)
        var y = Decode(GgmlType.Q5_1, b);
        Assert.Equal(1f, y[15]);
        Assert.Equal(2f * 23 + 1, y[31]);
    }

    /// <summary>Q4_K scales: bytes 0-3 hold scales 0-3 (low 6 bits) and the top 2 bits of scales 4-7; bytes 4-7 the
    /// same for mins; bytes 8-11 the low nibbles of scales 4-7 (low) and mins 4-7 (high).</summary>
    static byte[] PackK4Scales(int[] sc, int[] m)
    {
        var s = new byte[12];
        for (int j = 0; j < 4; j++)
        {
            s[j] = (byte)(sc[j] | ((sc[j + 4] >> 4) << 6));
            s[j + 4] = (byte)(m[j] | ((m[j + 4] >> 4) << 6));
            s[j + 8] = (byte)((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
        }
        return s;
    }

    static readonly int[] Scales = [1, 2, 3, 63, 17, 33, 48, 5];
    static readonly int[] Mins = [0, 4, 62, 7, 21, 40, 2, 63];

    [Fact]
    public void Q4_KUsesSixBitScalesAndMinsPerSubBlock()
    {
        var b = new byte[144];
        PutHalf(b, 0, HalfHalf);
        PutHalf(b, 2, Half0_25);
        PackK4Scales(Scales, Mins).CopyTo(b, 4);
        // sub-blocks 2p and 2p+1 share qs[32p..32p+31]: low nibble for 2p, high for 2p+1
        for (int i = 0; i < 128; i++) b[16 + i] = (byte)((i % 16) | ((15 - i % 16) << 4));
        var y = Decode(GgmlType.Q4_K, b);
        for (int s = 0; s < 8; s++)
        for (int i = 0; i < 32; i++)
        {
            int q = s % 2 == 0 ? i % 16 : 15 - i % 16;
            Assert.Equal(0.5f * Scales[s] * q - 0.25f * Mins[s], y[32 * s + i]);
        }
    }

    [Fact]
    public void Q5_KAddsSixteenFromTheQhBitOfEachSubBlock()
    {
        var b = new byte[176];
        PutHalf(b, 0, Half1);
        PutHalf(b, 2, HalfHalf);
        PackK4Scales(Scales, Mins).CopyTo(b, 4);
        for (int l = 0; l < 32; l++) b[16 + l] = (byte)(l % 2 == 0 ? 0b1010_0101 : 0); // even l: sub-blocks 0, 2, 5, 7 get the bit
        for (int i = 0; i < 128; i++) b[48 + i] = (byte)(3 | (9 << 4));
        var y = Decode(GgmlType.Q5_K, b);
        int[] bitSet = [1, 0, 1, 0, 0, 1, 0, 1];
        for (int s = 0; s < 8; s++)
        for (int l = 0; l < 32; l++)
        {
            int q = (s % 2 == 0 ? 3 : 9) + (l % 2 == 0 && bitSet[s] == 1 ? 16 : 0);
            Assert.Equal(1f * Scales[s] * q - 0.5f * Mins[s], y[32 * s + l]);
        }
    }

    [Fact]
    public void Q6_KCombinesFourBitAndTwoBitPartsWithSignedScales()
    {
        var b = new byte[210];
        // element e: half h = e/128, quarter k = (e%128)/32, l = e%32
        // low nibble from ql[64h + l + 32*(k%2)] (low nibble if k<2, else high), high bits from qh[32h + l] bits 2k..2k+1
        var q = new int[256];
        for (int e = 0; e < 256; e++) q[e] = (e * 7 + 3) % 64;
        for (int e = 0; e < 256; e++)
        {
            int h = e / 128, k = e % 128 / 32, l = e % 32;
            int qlIndex = 64 * h + l + 32 * (k % 2);
            b[qlIndex] |= (byte)(k < 2 ? q[e] & 0xF : (q[e] & 0xF) << 4);
            b[128 + 32 * h + l] |= (byte)((q[e] >> 4) << (2 * k));
        }
        sbyte[] sc = [1, -2, 3, -4, 5, -6, 7, -8, 127, -128, 11, 12, 13, 14, 15, 16];
        for (int i = 0; i < 16; i++) b[192 + i] = (byte)sc[i];
        PutHalf(b, 208, Half0_25);
        var y = Decode(GgmlType.Q6_K, b);
        for (int e = 0; e < 256; e++) Assert.Equal(0.25f * sc[e / 16] * (q[e] - 32), y[e]);
    }

    [Fact]
    public void Q8_KIsFloatScaleTimesBytes()
    {
        var b = new byte[292];
        BitConverter.TryWriteBytes(b.AsSpan(0), 0.125f);
        for (int j = 0; j < 256; j++) b[4 + j] = (byte)(sbyte)(j - 128);
        var y = Decode(GgmlType.Q8_K, b);
        for (int j = 0; j < 256; j++) Assert.Equal(0.125f * (j - 128), y[j]);
    }

    [Fact]
    public void HalfAndBFloatDecode()
    {
        var y = new float[2];
        Dequantize.Row(GgmlType.F16, new byte[] { 0x00, 0x3C, 0x00, 0xC0 }, y);
        Assert.Equal([1f, -2f], y);
        Dequantize.Row(GgmlType.BF16, new byte[] { 0x80, 0x3F, 0x40, 0xC0 }, y);
        Assert.Equal([1f, -3f], y);
    }
}
