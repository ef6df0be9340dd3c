namespace Hearth.Engine.Kernels;

/// <summary>Unquantized rows: F32, F16 (IEEE half) and BF16. ggml multiplies F16/BF16 weights with activations
/// rounded to the same type, so their dot products take both operands in that type.</summary>
internal static unsafe class FloatRows
{
    public static void ToF16(float* x, ushort* y, int count)
    {
        for (int i = 0; i < count; i++) y[i] = Fp16.FromFloat(x[i]);
    }

    public static void ToBf16(float* x, ushort* y, int count)
    {
        for (int i = 0; i < count; i++) y[i] = Fp16.FloatToBf16(x[i]);
    }

    public static void RoundThroughF16(float* x, float* y, int count)
    {
        for (int i = 0; i < count; i++) y[i] = Fp16.ToFloat(Fp16.FromFloat(x[i]));
    }

    public static void RoundThroughBf16(float* x, float* y, int count)
    {
        for (int i = 0; i < count; i++) y[i] = Fp16.Bf16ToFloat(Fp16.FloatToBf16(x[i]));
    }

    public static void FromF16(ushort* x, float* y, int count)
    {
        for (int i = 0; i < count; i++) y[i] = Fp16.ToFloat(x[i]);
    }

    public static void FromBf16(ushort* x, float* y, int count)
    {
        for (int i = 0; i < count; i++) y[i] = Fp16.Bf16ToFloat(x[i]);
    }

    public static float DotF32Scalar(float* w, float* a, int count)
    {
        float sum = 0;
        for (int i = 0; i < count; i++) sum += w[i] * a[i];
        return sum;
    }

    /// <summary>F16 weights . activations already rounded to F16 (held as floats).</summary>
    public static float DotF16Scalar(ushort* w, float* a, int count)
    {
        float sum = 0;
        for (int i = 0; i < count; i++) sum += Fp16.ToFloat(w[i]) * a[i];
        return sum;
    }

    /// <summary>BF16 weights . activations already rounded to BF16 (held as floats).</summary>
    public static float DotBf16Scalar(ushort* w, float* a, int count)
    {
        float sum = 0;
        for (int i = 0; i < count; i++) sum += Fp16.Bf16ToFloat(w[i]) * a[i];
        return sum;
    }
}
