using Hearth.Engine.Gguf;

namespace Hearth.Engine.Kernels;

/// <summary>Converts activation rows to a weight's vec-dot type (fast path where there is one).</summary>
internal static unsafe class Activations
{
    public static void Convert(GgmlType vecDotType, float* x, byte* y, int cols) =>
        DotKernels.QuantizeActivationsScalar(vecDotType, x, y, cols);
}
