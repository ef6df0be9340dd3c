using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>Picks the row kernel for a weight type: the fastest this CPU supports, or the scalar reference.</summary>
internal static unsafe class RowKernels
{
    static readonly RowKernel?[] Best = Build(t => Avx512(t) ?? Avx2(t) ?? Portable128(t) ?? Scalar(t));

    /// <summary>
    /// The kernels are compiled fully optimized on first call (AggressiveOptimization). The JIT only turns static
    /// readonly fields (the fp16 table, constant vectors) into constants, without class-initialization checks in
    /// the loops, when their classes are initialized by then, so initialize them before any kernel runs.
    /// </summary>
    static RowKernels()
    {
        foreach (var type in new[] { typeof(Fp16), typeof(Avx2Kernels), typeof(Avx512Kernels), typeof(Vector128Kernels), typeof(Activations) })
            System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(type.TypeHandle);
    }

    static readonly RowPairKernel?[] BestPairs = BuildPairs();

    /// <summary>The 2-weight-row kernel that goes with <see cref="For"/>'s kernel for this type, or null where there is none.</summary>
    public static RowPairKernel? PairFor(GgmlType weights) => (int)weights < BestPairs.Length ? BestPairs[(int)weights] : null;

    static RowPairKernel?[] BuildPairs()
    {
        var pairs = new RowPairKernel?[32];
        // only where the AVX2 kernel is the one in use: a pair kernel matches its own type's single-row kernel
        if (Avx512(GgmlType.Q4_K) == null && Avx2(GgmlType.Q4_K) != null) pairs[(int)GgmlType.Q4_K] = Avx2Kernels.Q4KPair;
        if (Avx512(GgmlType.Q8_0) == null && Avx2(GgmlType.Q8_0) != null) pairs[(int)GgmlType.Q8_0] = Avx2Kernels.Q8_0Pair;
        return pairs;
    }

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
            GgmlType.Q5_0 => Avx2Kernels.Q5_0,
            GgmlType.Q4_K => Avx2Kernels.Q4K,
            GgmlType.Q5_K => Avx2Kernels.Q5K,
            GgmlType.Q6_K => Avx2Kernels.Q6K,
            _ => null,
        };
    }

    /// <summary>The 512-bit x86 kernel for this type, or null where there is none.</summary>
    public static RowKernel? Avx512(GgmlType weights)
    {
        if (!Avx512Kernels.IsSupported) return null;
        return weights switch
        {
            GgmlType.Q4_K => Avx512Kernels.Q4K,
            GgmlType.Q5_K => Avx512Kernels.Q5K,
            GgmlType.Q6_K => Avx512Kernels.Q6K,
            _ => null,
        };
    }

    /// <summary>The portable 128-bit kernel (AdvSimd on Arm, SSE on x86), or null where there is none.</summary>
    public static RowKernel? Portable128(GgmlType weights)
    {
        if (!Vector128Kernels.IsSupported) return null;
        return weights switch
        {
            GgmlType.F32 => Vector128Kernels.F32,
            GgmlType.F16 => Vector128Kernels.F16,
            GgmlType.BF16 => Vector128Kernels.BF16,
            GgmlType.Q8_0 => Vector128Kernels.Q8_0,
            GgmlType.Q4_0 => Vector128Kernels.Q4_0,
            GgmlType.Q5_0 => Vector128Kernels.Q5_0,
            GgmlType.Q4_K => Vector128Kernels.Q4K,
            GgmlType.Q5_K => Vector128Kernels.Q5K,
            GgmlType.Q6_K => Vector128Kernels.Q6K,
            _ => null,
        };
    }

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
