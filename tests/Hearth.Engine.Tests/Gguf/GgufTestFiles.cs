using Hearth.Engine.Gguf;

namespace Hearth.Engine.Tests.Gguf;

/// <summary>Small GGUF files built in memory for reader tests and the fuzzer.</summary>
internal static class GgufTestFiles
{
    public static byte[] Small()
    {
        var w = new GgufWriter()
            .Add("general.architecture", "llama")
            .Add("general.name", "tiny ✓")
            .Add("llama.block_count", 1u)
            .Add("llama.rope.freq_base", 10000f)
            .Add("tokenizer.ggml.add_bos_token", true)
            .Add("tokenizer.ggml.tokens", ["<unk>", "<s>", "</s>", "▁a"])
            .Add("tokenizer.ggml.scores", [0f, 0f, 0f, -1.5f])
            .Add("tokenizer.ggml.token_type", [2, 3, 3, 1])
            .AddValue("test.u64", new GgufValue(GgufValueType.UInt64, 1UL << 40))
            .AddValue("test.i8", new GgufValue(GgufValueType.Int8, (sbyte)-3))
            .AddValue("test.f64", new GgufValue(GgufValueType.Float64, 2.5));
        var f32 = new byte[4 * 8 * 2];
        for (int i = 0; i < f32.Length; i++) f32[i] = (byte)i;
        w.AddTensor("a.weight", GgmlType.F32, [8, 2], f32);
        w.AddTensor("b.weight", GgmlType.Q8_0, [32, 3], new byte[34 * 3]);
        var stream = new MemoryStream();
        w.Write(stream);
        return stream.ToArray();
    }

    public static unsafe GgufFile Parse(byte[] bytes, out System.Runtime.InteropServices.GCHandle pin)
    {
        pin = System.Runtime.InteropServices.GCHandle.Alloc(bytes, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            return GgufFile.Parse((byte*)pin.AddrOfPinnedObject(), bytes.Length);
        }
        catch
        {
            pin.Free();
            throw;
        }
    }

    /// <summary>Parses and disposes; returns the exception, if any.</summary>
    public static Exception? TryParse(byte[] bytes)
    {
        try
        {
            using var f = Parse(bytes, out var pin);
            pin.Free();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
