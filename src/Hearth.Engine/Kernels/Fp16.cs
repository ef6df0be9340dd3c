using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hearth.Engine.Kernels;

/// <summary>Scalar IEEE half and bfloat16 conversions, rounding exactly as ggml does (round to nearest even).</summary>
internal static unsafe class Fp16
{
    /// <summary>All 65536 halves as floats (256 KB, like ggml's table): a branch-free load for block scales in hot
    /// loops, where a branch would make the JIT keep accumulators on the stack.</summary>
    public static readonly float* Table = BuildTable();

    static float* BuildTable()
    {
        var t = (float*)NativeMemory.AlignedAlloc(65536 * sizeof(float), 64);
        for (int h = 0; h < 65536; h++) t[h] = ToFloat((ushort)h);
        return t;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Lookup(ushort h) => Table[h];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(ushort h) => (float)BitConverter.UInt16BitsToHalf(h);

    /// <summary>Half to float by moving bits, with no calls so hot loops keep their vectors in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloatFast(ushort h)
    {
        uint exp = h & 0x7C00u;
        uint sign = (h & 0x8000u) << 16;
        if (exp == 0)
        {
            float m = (h & 0x3FF) * (1f / 16777216f); // zero or subnormal: mantissa * 2^-24
            return sign != 0 ? -m : m;
        }
        uint bits = ((h & 0x7FFFu) << 13) + 0x38000000u;
        if (exp == 0x7C00u) bits += 0x38000000u; // infinity or NaN
        return BitConverter.UInt32BitsToSingle(sign | bits);
    }

    /// <summary>
    /// Float to half, rounding to nearest even, as .NET's <c>(Half)</c> conversion (NaN goes through it) but about 15x
    /// faster: that conversion cost ~130 ns, which made quantizing a prompt's activations to Q8_0 (one scale per 32
    /// values) take longer than multiplying them by a 256-column matrix. The float arithmetic of FP16's
    /// fp16_ieee_from_fp32_value (ggml's own fallback): scaling by 2^112 then 2^-110 saturates what overflows to
    /// infinity, and adding a power of two at the value's binade (at least F16's subnormal one) leaves its
    /// F16-rounded mantissa in the low bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromFloat(float f)
    {
        if (float.IsNaN(f)) return BitConverter.HalfToUInt16Bits((Half)f);
        uint w = BitConverter.SingleToUInt32Bits(f);
        uint twice = w + w; // the sign shifted out
        float magnitude = MathF.Abs(f) * BitConverter.UInt32BitsToSingle(0x77800000) * BitConverter.UInt32BitsToSingle(0x08800000);
        uint bias = Math.Max(twice & 0xFF000000u, 0x71000000u);
        uint bits = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle((bias >> 1) + 0x07800000u) + magnitude);
        return (ushort)(((w & 0x80000000u) >> 16) | (((bits >> 13) & 0x7C00u) + (bits & 0x0FFFu)));
    }

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
