using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>Picks the row kernel for a weight type: the fastest this CPU supports, or the scalar reference.</summary>
internal static unsafe class RowKernels
{
    static readonly RowKernel?[] Best = Build(t => Avx2(t) ?? Scalar(t));

    public static RowKernel For(GgmlType weights) =>
        (int)weights < Best.Length && Best[(int)weights] is { } k ? k
            : throw new NotSupportedException($"Matrix multiplication with {weights} weights is not supported.");

    /// <summary>The 256-bit x86 kernel for this type, or null where there is none (or no AVX2 on this CPU).</summary>
    public static RowKernel? Avx2(GgmlType weights)
    {
        if (!Avx2Kernels.IsSupported) return null;
        return weights switch
        {
            GgmlType.F32 => Avx2Kernels.F32,
            GgmlType.F16 => Avx2Kernels.F16,
            GgmlType.BF16 => Avx2Kernels.BF16,
            GgmlType.Q8_0 => Avx2Kernels.Q8_0,
            GgmlType.Q4_0 => Avx2Kernels.Q4_0,
            GgmlType.Q4_K => Avx2Kernels.Q4K,
            GgmlType.Q5_K => Avx2Kernels.Q5K,
            GgmlType.Q6_K => Avx2Kernels.Q6K,
            _ => null,
        };
    }

    /// <summary>The 512-bit x86 kernel for this type, or null where there is none.</summary>
    public static RowKernel? Avx512(GgmlType weights) => null;

    /// <summary>The portable 128-bit kernel (AdvSimd on Arm, SSE on x86), or null where there is none.</summary>
    public static RowKernel? Portable128(GgmlType weights) => null;

    /// <summary>The scalar reference: one plain dot product per activation row.</summary>
    public static RowKernel? Scalar(GgmlType weights)
    {
        if (!DotKernels.Supports(weights)) return null;
        return (w, a, aStride, cols, y, yStride, count) =>
        {
            for (int k = 0; k < count; k++) y[k * yStride] = DotKernels.DotScalar(weights, w, a + k * aStride, cols);
        };
    }

    static RowKernel?[] Build(Func<GgmlType, RowKernel?> pick)
    {
        var kernels = new RowKernel?[32];
        foreach (GgmlType t in Enum.GetValues<GgmlType>())
            if (DotKernels.Supports(t)) kernels[(int)t] = pick(t);
        return kernels;
    }
}
