namespace Hearth.Engine.Kernels;

/// <summary>
/// The GeGLU gate of gemma's feed-forward block: gate = gelu(gate) * up, with the tanh approximation of GELU, computed
/// as ggml-cpu computes it: the input rounded to F16 and looked up in a table of F16 results (GGML_GELU_FP16), the
/// tails (|x| &gt;= 10) taken as 0 and x.
/// </summary>
internal static unsafe class GeGlu
{
    static readonly Lazy<float[]> Table = new(() =>
    {
        var table = new float[65536];
        for (int i = 0; i < table.Length; i++)
        {
            float x = (float)BitConverter.UInt16BitsToHalf((ushort)i);
            table[i] = (float)(Half)Gelu(x);
        }
        return table;
    });

    /// <summary>GELU, tanh approximation, in float as ggml_gelu_f32.</summary>
    public static float Gelu(float x) => 0.5f * x * (1f + MathF.Tanh(0.79788456080286535587989211986876f * x * (1f + 0.044715f * x * x)));

    public static void Apply(float* gate, float* up, int n)
    {
        var table = Table.Value;
        for (int i = 0; i < n; i++)
        {
            float x = gate[i];
            gate[i] = x <= -10f ? 0f
                : x >= 10f ? x * up[i]
                : table[BitConverter.HalfToUInt16Bits((Half)x)] * up[i];
        }
    }
}
