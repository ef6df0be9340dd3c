using System.Buffers.Binary;
using System.Text;
using Hearth.Engine.Gguf;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Gguf;

public class GgufFileTests
{
    [Theory]
    [InlineData("stories260K.gguf", 48, "llama")]
    [InlineData("tiny-llama2-spm-f32.gguf", 21, "llama")]
    [InlineData("tiny-llama2-spm-q8_0.gguf", 21, "llama")]
    [InlineData("tiny-llama2-spm-q4_0.gguf", 21, "llama")]
    [InlineData("tiny-llama3-bpe-q4_k_m.gguf", 20, "llama")]
    [InlineData("tiny-qwen2-q8_0.gguf", 26, "qwen2")]
    public void Reads_fixture_models(string file, int tensors, string arch)
    {
        using var f = GgufFile.Open(TestModels.Path(file));
        Assert.Equal(3u, f.Version);
        Assert.Equal(tensors, f.Tensors.Count);
        Assert.Equal(arch, f.GetString("general.architecture"));
        Assert.Equal(0, f.DataOffset % f.Alignment);
        var embd = f.GetTensor("token_embd.weight");
        Assert.Equal(f.GetArray<string>("tokenizer.ggml.tokens")!.Length, embd.Rows);
        // Every tensor lies inside the file, and the last one ends near its end.
        long end = f.Tensors.Max(t => f.DataOffset + t.Offset + t.ByteSize);
        Assert.InRange(end, f.FileLength - f.Alignment, f.FileLength);
    }

    [Fact]
    public void Tensor_views_are_zero_copy_into_the_mapping()
    {
        using var f = GgufFile.Open(TestModels.Path("stories260K.gguf"));
        var norm = f.GetTensor("output_norm.weight");
        var data = f.GetTensorData(norm);
        Assert.Equal(64 * 4, data.Length);
        // RMSNorm weights of a trained model: finite and not all zero.
        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data);
        Assert.All(floats.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Contains(floats.ToArray(), v => v != 0);
    }

    [Fact]
    public void Writer_round_trips_metadata_and_tensors()
    {
        var bytes = GgufTestFiles.Small();
        using var f = GgufTestFiles.Parse(bytes, out var pin);
        try
        {
            Assert.Equal("llama", f.GetString("general.architecture"));
            Assert.Equal("tiny ✓", f.GetString("general.name"));
            Assert.Equal(1, f.GetInteger("llama.block_count"));
            Assert.Equal(10000f, f.GetFloat("llama.rope.freq_base"));
            Assert.True(f.GetBool("tokenizer.ggml.add_bos_token"));
            Assert.Equal(["<unk>", "<s>", "</s>", "▁a"], f.GetArray<string>("tokenizer.ggml.tokens")!);
            Assert.Equal([0f, 0f, 0f, -1.5f], f.GetArray<float>("tokenizer.ggml.scores")!);
            Assert.Equal([2, 3, 3, 1], f.GetArray<int>("tokenizer.ggml.token_type")!);
            Assert.Equal(1L << 40, f.GetInteger("test.u64"));
            Assert.Equal(-3, f.GetInteger("test.i8"));
            Assert.Equal(2.5f, f.GetFloat("test.f64"));
            Assert.Null(f.GetString("missing"));

            var a = f.GetTensor("a.weight");
            Assert.Equal([8L, 2L], a.Dims);
            Assert.Equal(2, a.Rows);
            Assert.Equal(8, a.Cols);
            Assert.Equal(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray(), f.GetTensorData(a).ToArray());
            var b = f.GetTensor("b.weight");
            Assert.Equal(GgmlType.Q8_0, b.Type);
            Assert.Equal(34 * 3, b.ByteSize);
            Assert.Equal(0, b.Offset % 32);
        }
        finally { pin.Free(); }
    }

    [Fact]
    public void Every_truncation_fails_with_a_format_exception()
    {
        var bytes = GgufTestFiles.Small();
        long dataEnd;
        using (var whole = GgufTestFiles.Parse(bytes, out var pin))
        {
            dataEnd = whole.Tensors.Max(t => whole.DataOffset + t.Offset + t.ByteSize);
            pin.Free();
        }
        // Only the padding after the last tensor may be cut; any shorter file lies about its tensors.
        for (int len = 0; len < dataEnd; len++)
        {
            var e = GgufTestFiles.TryParse(bytes[..len]);
            Assert.True(e is GgufFormatException, $"length {len}: {e?.GetType().Name ?? "parsed"} {e?.Message}");
        }
    }

    [Fact]
    public void Type_mismatch_in_typed_getters_is_a_clear_error()
    {
        var bytes = GgufTestFiles.Small();
        using var f = GgufTestFiles.Parse(bytes, out var pin);
        try
        {
            var e = Assert.Throws<GgufFormatException>(() => f.GetInteger("general.name"));
            Assert.Contains("general.name", e.Message);
            Assert.Throws<GgufFormatException>(() => f.GetArray<string>("tokenizer.ggml.scores"));
        }
        finally { pin.Free(); }
    }

    // ---- hostile headers, each naming the field at fault ----

    static byte[] Header(uint version, ulong tensors, ulong kvs, Action<BinaryWriter>? rest = null)
    {
        var s = new MemoryStream();
        var w = new BinaryWriter(s);
        w.Write(Encoding.ASCII.GetBytes("GGUF"));
        w.Write(version);
        w.Write(tensors);
        w.Write(kvs);
        rest?.Invoke(w);
        w.Write(new byte[64]); // some slack so the failure is the lie, not the end of the file
        return s.ToArray();
    }

    static void Str(BinaryWriter w, string s) { var b = Encoding.UTF8.GetBytes(s); w.Write((ulong)b.Length); w.Write(b); }

    static GgufFormatException Fails(byte[] bytes, string fieldPart)
    {
        var e = GgufTestFiles.TryParse(bytes);
        var fe = Assert.IsType<GgufFormatException>(e);
        Assert.Contains(fieldPart, fe.Field);
        return fe;
    }

    [Fact] public void Bad_magic() => Fails(Encoding.ASCII.GetBytes("GGML").Concat(new byte[60]).ToArray(), "magic");
    [Fact] public void Version_1_is_refused() => Fails(Header(1, 0, 0), "version");
    [Fact] public void Big_endian_is_refused() => Assert.Contains("big-endian", Fails(Header(0x03000000, 0, 0), "version").Message);
    [Fact] public void Lying_tensor_count() => Fails(Header(3, ulong.MaxValue, 0), "tensor_count");
    [Fact] public void Lying_kv_count() => Fails(Header(3, 0, 1UL << 50), "metadata_kv_count");

    [Fact]
    public void Huge_string_length() => Fails(Header(3, 0, 1, w => w.Write(ulong.MaxValue - 3)), "key");

    [Fact]
    public void Huge_array_length() => Fails(Header(3, 0, 1, w =>
    {
        Str(w, "k");
        w.Write((uint)GgufValueType.Array);
        w.Write((uint)GgufValueType.UInt64);
        w.Write(1UL << 60);
    }), "array_length");

    [Fact]
    public void Unknown_value_type() => Fails(Header(3, 0, 1, w => { Str(w, "k"); w.Write(99u); }), "'k'");

    [Fact]
    public void Duplicate_key() => Assert.Contains("duplicate", Fails(Header(3, 0, 2, w =>
    {
        for (int i = 0; i < 2; i++) { Str(w, "k"); w.Write((uint)GgufValueType.UInt32); w.Write(1u); }
    }), "'k'").Message);

    [Fact]
    public void Bad_alignment() => Fails(Header(3, 0, 1, w => { Str(w, "general.alignment"); w.Write((uint)GgufValueType.UInt32); w.Write(24u); }), "general.alignment");

    static Action<BinaryWriter> Tensor(uint nDims, ulong[] dims, uint type, ulong offset) => w =>
    {
        Str(w, "t");
        w.Write(nDims);
        foreach (var d in dims) w.Write(d);
        w.Write(type);
        w.Write(offset);
    };

    [Fact] public void Too_many_dims() => Fails(Header(3, 1, 0, Tensor(9, [], 0, 0)), "n_dims");
    [Fact] public void Zero_dim() => Fails(Header(3, 1, 0, Tensor(2, [4, 0], 0, 0)), "dims[1]");
    [Fact] public void Unknown_tensor_type() => Fails(Header(3, 1, 0, Tensor(1, [32], 77, 0)), "type");
    [Fact] public void Size_overflow() => Fails(Header(3, 1, 0, Tensor(4, [int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue], 0, 0)), "dims");
    [Fact] public void Row_not_multiple_of_block() => Fails(Header(3, 1, 0, Tensor(1, [33], (uint)GgmlType.Q8_0, 0)), "dims[0]");
    [Fact] public void Data_outside_file() => Fails(Header(3, 1, 0, Tensor(1, [1024], 0, 0)), "offset");
    [Fact] public void Misaligned_offset() => Fails(Header(3, 1, 0, Tensor(1, [1], 0, 4)), "offset");

    [Fact]
    public void Offset_near_ulong_max_does_not_wrap()
    {
        var e = Fails(Header(3, 1, 0, Tensor(1, [8], 0, ulong.MaxValue - 31)), "offset");
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void Bool_must_be_0_or_1()
    {
        var bytes = Header(3, 0, 1, w => { Str(w, "b"); w.Write((uint)GgufValueType.Bool); w.Write((byte)7); });
        Fails(bytes, "'b'");
    }

    [Fact]
    public void Magic_is_little_endian_GGUF() =>
        Assert.Equal(0x46554747u, BinaryPrimitives.ReadUInt32LittleEndian("GGUF"u8));

    /// <summary>
    /// Fuzz finding (bench fuzz, tiny-qwen2-q8_0.gguf): a string array whose count was raised by a mutation read
    /// zero-length strings out of the tensor data, and parsing formatted an error-field name for every element before
    /// failing: 434 MB allocated for a 48 MB file. Element names are now only formatted for an error, so an array of
    /// a million 8-byte empty strings costs its string[] (8 bytes an element), not ~90 bytes an element.
    /// </summary>
    [Fact]
    public void Large_string_arrays_allocate_in_proportion_to_the_file()
    {
        var w = new GgufWriter().Add("general.architecture", "llama").Add("test.empty", new string[1_000_000].Select(_ => "").ToArray());
        var stream = new MemoryStream();
        w.Write(stream);
        var bytes = stream.ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        using (var f = GgufTestFiles.Parse(bytes, out var pin))
        {
            Assert.Equal(1_000_000, f.GetArray<string>("test.empty")!.Length);
            pin.Free();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 2L * bytes.Length, $"parsing a {bytes.Length}-byte file allocated {allocated} bytes");
    }

    /// <summary>The same for a lying count: the array runs into zero bytes and fails without a name per element.</summary>
    [Fact]
    public void Lying_string_array_count_fails_without_giant_allocation()
    {
        var bytes = Header(3, 0, 1, w =>
        {
            Str(w, "tokenizer.ggml.tokens");
            w.Write((uint)GgufValueType.Array);
            w.Write((uint)GgufValueType.String);
            w.Write(1_000_000UL);
            w.Write(new byte[8 * 999_999]); // 999,999 empty strings
            w.Write(1UL << 40);              // then one that runs past the end
        });
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Fails(bytes, "tokenizer.ggml.tokens");
        Assert.Contains("[999999]", e.Message);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 2L * bytes.Length, $"rejecting a {bytes.Length}-byte file allocated {allocated} bytes");
    }

    /// <summary>
    /// Fuzz finding (bench fuzz, tiny-qwen2-q8_0.gguf, one flipped byte in a token's length): a 32 MB "token" of
    /// tensor bytes, invalid UTF-8, took 3 s and 450 MB to decode with Encoding.UTF8. Invalid strings now decode in
    /// one pass into one buffer, with the same replacement characters.
    /// </summary>
    [Fact]
    public void Invalid_utf8_strings_decode_in_linear_memory()
    {
        var garbage = new byte[4 << 20];
        new Random(7).NextBytes(garbage);
        var bytes = Header(3, 0, 1, w =>
        {
            w.Write((ulong)"k".Length); w.Write("k"u8);
            w.Write((uint)GgufValueType.String);
            w.Write((ulong)garbage.Length); w.Write(garbage);
        });
        long before = GC.GetAllocatedBytesForCurrentThread();
        string decoded;
        using (var f = GgufTestFiles.Parse(bytes, out var pin))
        {
            decoded = f.GetString("k")!;
            pin.Free();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 5L * garbage.Length, $"decoding {garbage.Length} bytes of invalid UTF-8 allocated {allocated} bytes");
        Assert.Equal(Encoding.UTF8.GetString(garbage), decoded);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xFF, 0x62 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]                   // truncated 3-byte sequence
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80, 0xC0, 0xAF })] // an emoji, then an overlong encoding
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]             // an encoded surrogate
    [InlineData(new byte[] { 0xE2, 0x9C, 0x93 })]             // valid ✓
    public void String_decoding_replaces_like_Encoding_UTF8(byte[] utf8) =>
        Assert.Equal(Encoding.UTF8.GetString(utf8), GgufCursor.Decode(utf8));
}
