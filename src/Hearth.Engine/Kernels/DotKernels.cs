using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>
/// Multiplies one weight row with <c>count</c> activation rows (already in the weight's vec-dot type):
/// y[k*yStride] = dot(w, a + k*aStride) over <c>cols</c> elements. Taking several activation rows at once lets
/// the SIMD kernels decode a weight block once and reuse it (batched prompt processing).
/// </summary>
internal unsafe delegate void RowKernel(byte* w, byte* a, long aStride, int cols, float* y, long yStride, int count);

/// <summary>
/// Two weight rows (w and w + wStride) times <c>count</c> activation rows: y[k*yStride] and y[k*yStride + 1], exactly
/// what the type's <see cref="RowKernel"/> gives for each row. For types where pairing rows saves arithmetic.
/// </summary>
internal unsafe delegate void RowPairKernel(byte* w, long wStride, byte* a, long aStride, int cols, float* y, long yStride, int count);

/// <summary>The activation format each weight type is multiplied with, and the kernels that do it.</summary>
internal static unsafe class DotKernels
{
    /// <summary>ggml's vec_dot_type: what the activation row is converted to before the dot products.</summary>
    public static GgmlType VecDotType(GgmlType weights) => weights switch
    {
        GgmlType.F32 => GgmlType.F32,
        GgmlType.F16 => GgmlType.F16,
        GgmlType.BF16 => GgmlType.BF16,
        GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0 => GgmlType.Q8_0,
        GgmlType.Q4_1 or GgmlType.Q5_1 => GgmlType.Q8_1,
        GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => GgmlType.Q8_K,
        _ => throw new NotSupportedException($"Matrix multiplication with {weights} weights is not supported."),
    };


    public static bool Supports(GgmlType weights) => weights is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16
        or GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q4_1 or GgmlType.Q5_1
        or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K;

    /// <summary>Bytes one converted activation row takes. F16 and BF16 activations are kept as floats holding the
    /// rounded values (what ggml's dot products widen them to anyway), so they are converted once, not per row of W.</summary>
    public static long ActivationRowBytes(GgmlType vecDotType, int cols) =>
        vecDotType switch
        {
            GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 => cols * 4L,
            GgmlType.Q8_0 => cols / Q8_0.BlockSize * (long)Q8_0.ActBlockBytes,
            _ => Quantize.RowBytes(vecDotType, cols),
        };

    /// <summary>Converts one float activation row to <paramref name="vecDotType"/> exactly as ggml-cpu does on x86.</summary>
    public static void QuantizeActivationsScalar(GgmlType vecDotType, float* x, byte* y, int cols)
    {
        switch (vecDotType)
        {
            case GgmlType.F32: Buffer.MemoryCopy(x, y, cols * 4L, cols * 4L); break;
            case GgmlType.F16: FloatRows.RoundThroughF16(x, (float*)y, cols); break;
            case GgmlType.BF16: FloatRows.RoundThroughBf16(x, (float*)y, cols); break;
            case GgmlType.Q8_0: Q8_0.QuantizeActivations(x, y, cols); break;
            case GgmlType.Q8_1: Q8_1.QuantizeActivations(x, y, cols); break;
            case GgmlType.Q8_K: Q8K.Quantize(x, y, cols); break;
            default: throw new NotSupportedException($"No activation conversion to {vecDotType}.");
        }
    }

    /// <summary>The plain scalar dot product of one weight row of <paramref name="weights"/> with one activation row.</summary>
    public static float DotScalar(GgmlType weights, byte* w, byte* a, int cols) => weights switch
    {
        GgmlType.F32 => FloatRows.DotF32Scalar((float*)w, (float*)a, cols),
        GgmlType.F16 => FloatRows.DotF16Scalar((ushort*)w, (float*)a, cols),
        GgmlType.BF16 => FloatRows.DotBf16Scalar((ushort*)w, (float*)a, cols),
        GgmlType.Q8_0 => Q8_0.DotScalar(w, a, cols),
        GgmlType.Q4_0 => Q4_0.DotScalar(w, a, cols),
        GgmlType.Q5_0 => Q5_0.DotScalar(w, a, cols),
        GgmlType.Q4_1 => Q4_1.DotScalar(w, a, cols),
        GgmlType.Q5_1 => Q5_1.DotScalar(w, a, cols),
        GgmlType.Q4_K => Q4K.DotScalar(w, a, cols),
        GgmlType.Q5_K => Q5K.DotScalar(w, a, cols),
        GgmlType.Q6_K => Q6K.DotScalar(w, a, cols),
        _ => throw new NotSupportedException($"Matrix multiplication with {weights} weights is not supported."),
    };
}
