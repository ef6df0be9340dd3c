using System.Runtime.CompilerServices;

namespace Hearth.Engine.Kernels;

/// <summary>Scalar IEEE half and bfloat16 conversions, rounding exactly as ggml does (round to nearest even).</summary>
internal static class Fp16
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(ushort h) => (float)BitConverter.UInt16BitsToHalf(h);

    /// <summary>Half to float by moving bits; normal numbers only take the fast path (block scales nearly always are).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloatFast(ushort h)
    {
        uint exp = h & 0x7C00u;
        if (exp == 0 || exp == 0x7C00u) return ToFloat(h);
        return BitConverter.UInt32BitsToSingle(((h & 0x8000u) << 16) | (((h & 0x7FFFu) << 13) + 0x38000000u));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromFloat(float f) => BitConverter.HalfToUInt16Bits((Half)f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Bf16ToFloat(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);

    /// <summary>ggml_compute_fp32_to_bf16: NaN stays a (quiet) NaN, everything else rounds to nearest even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FloatToBf16(float f)
    {
        uint u = BitConverter.SingleToUInt32Bits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (ushort)((u >> 16) | 64);
        return (ushort)((u + (0x7fff + ((u >> 16) & 1))) >> 16);
    }

    /// <summary>ggml's nearest_int: round half to even via the 1.5*2^23 trick (|x| must stay below 2^22).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NearestInt(float f)
    {
        float v = f + 12582912f;
        int i = BitConverter.SingleToInt32Bits(v);
        return (i & 0x007fffff) - 0x00400000;
    }
}
