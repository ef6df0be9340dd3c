using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>Picks the row kernel for a weight type: the fastest this CPU supports, or the scalar reference.</summary>
internal static unsafe class RowKernels
{
    public static RowKernel For(GgmlType weights) => Scalar(weights);

    /// <summary>The scalar reference: one plain dot product per activation row.</summary>
    public static RowKernel Scalar(GgmlType weights) => weights switch
    {
        _ when DotKernels.Supports(weights) => ScalarKernels[(int)weights]!,
        _ => throw new NotSupportedException($"Matrix multiplication with {weights} weights is not supported."),
    };

    static readonly RowKernel?[] ScalarKernels = BuildScalar();

    static RowKernel?[] BuildScalar()
    {
        var kernels = new RowKernel?[32];
        foreach (GgmlType t in Enum.GetValues<GgmlType>())
        {
            if (!DotKernels.Supports(t)) continue;
            GgmlType type = t;
            kernels[(int)t] = (w, a, aStride, cols, y, yStride, count) =>
            {
                for (int k = 0; k < count; k++) y[k * yStride] = DotKernels.DotScalar(type, w, a + k * aStride, cols);
            };
        }
        return kernels;
    }
}
