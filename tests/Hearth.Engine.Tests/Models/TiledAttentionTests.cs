using System.Runtime.Intrinsics;
using Hearth.Engine.Kernels;

namespace Hearth.Engine.Tests.Models;

/// <summary>llama.cpp's tiled prompt attention (<see cref="TiledAttention"/>) against its scalar reference, bit for bit.</summary>
public unsafe class TiledAttentionTests
{
    static float[] Random(int n, int seed, float scale = 1f) => ElementwiseKernelTests.Random(n, seed, scale);

    [Fact]
    public void GgmlExpVectorIsItsScalarReferenceAndCloseToExp()
    {
        var x = Random(8192, 3, 100f).Concat([0f, -0f, 1f, -87f, 87.9f, 88.8f, 1e-8f, -103f, -150f, float.NegativeInfinity, -1e30f, 200f]).ToArray();
        x = [.. x, .. Enumerable.Repeat(0f, 8 - x.Length % 8)];
        for (int i = 0; i + 8 <= x.Length; i += 8)
        {
            var e = VectorExp.GgmlExp(Vector256.Create(x.AsSpan(i, 8)));
            for (int j = 0; j < 8; j++)
            {
                float scalar = VectorExp.GgmlExp(x[i + j]);
                Assert.True(BitConverter.SingleToUInt32Bits(scalar) == BitConverter.SingleToUInt32Bits(e[j]), $"e^{x[i + j]}: vector {e[j]}, scalar {scalar}");
                double exact = Math.Exp(x[i + j]);
                if (exact < 1e-37 || exact > 3e38) continue;
                Assert.True(Math.Abs(scalar - exact) <= 3e-7 * exact, $"e^{x[i + j]} = {exact}, got {scalar}");
            }
        }
        Assert.Equal(0f, VectorExp.GgmlExp(float.NegativeInfinity));
        Assert.Equal(float.PositiveInfinity, VectorExp.GgmlExp(200f));
    }

    [Theory]
    [InlineData(32, 0, 16, 2)]        // one block from position 0, within the first tile
    [InlineData(64, 50, 16, 4)]       // crossing from the first tile into the second
    [InlineData(128, 200, 9, 1)]      // a prefix already in the cache, rows in the fourth tile
    [InlineData(8, 63, 16, 3)]
    [InlineData(40, 100, 5, 2)]       // 40: a multiple of 8 that is not of 32
    [InlineData(12, 70, 4, 2)]        // not a multiple of 8: the scalar path
    [InlineData(64, 120, 16, 2, 20)]  // a sliding window shorter than a tile
    [InlineData(64, 300, 16, 2, 100)] // a window over tiles
    [InlineData(32, 90, 16, 2, int.MaxValue, 3f)] // soft-capped scores
    public void BlocksMatchTheScalarReferenceRowByRow(int headDim, int first, int rows, int heads, int window = int.MaxValue, float softcap = 0)
    {
        int kvHeads = 2, stride = kvHeads * headDim + 8, qStride = heads * kvHeads * headDim + 16;
        int positions = first + rows;
        var q = Random(rows * qStride, 21, 3f);
        var k = Random(positions * stride, 22, 2f).Select(f => (Half)f).ToArray();
        var v = Random(positions * stride, 23).Select(f => (Half)f).ToArray();
        var output = new float[rows * qStride];
        var expected = new float[headDim];
        var scratch = new float[TiledAttention.ScratchFloats(headDim, heads)];
        float scale = 1f / MathF.Sqrt(headDim);
        fixed (Half* pk = k, pv = v)
        fixed (float* pq = q, po = output, pe = expected, ps = scratch)
        {
            // the second KV head, its query heads after the first's
            Half* keys = pk + headDim, values = pv + headDim;
            float* q1 = pq + heads * headDim, o1 = po + heads * headDim;
            TiledAttention.Rows(q1, qStride, rows, heads, first, window, keys, values, stride, headDim, scale, softcap, o1, qStride, ps);
            for (int r = 0; r < rows; r++)
                for (int h = 0; h < heads; h++)
                {
                    TiledAttention.RowScalar(q1 + r * qStride + h * headDim, first + r, window, keys, values, stride, headDim, scale, softcap, pe);
                    for (int i = 0; i < headDim; i++)
                        Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(output[r * qStride + (heads + h) * headDim + i]),
                            $"row {r} head {h} [{i}]: {output[r * qStride + (heads + h) * headDim + i]} vs reference {expected[i]}");
                }
            // nothing outside the outputs was written
            Assert.All(Enumerable.Range(0, rows).SelectMany(r => Enumerable.Range(r * qStride, heads * headDim)), i => Assert.Equal(0f, output[i]));
        }
    }

    [Fact]
    public void TheReferenceIsSoftmaxAttention()
    {
        const int headDim = 16, count = 150;
        var q = Random(headDim, 31, 2f);
        var k = Random(count * headDim, 32, 2f).Select(f => (Half)f).ToArray();
        var v = Random(count * headDim, 33).Select(f => (Half)f).ToArray();
        var output = new float[headDim];
        float scale = 0.25f;
        fixed (Half* pk = k, pv = v)
        fixed (float* pq = q, po = output)
            TiledAttention.RowScalar(pq, count - 1, int.MaxValue, pk, pv, headDim, headDim, scale, 0, po);
        var scores = Enumerable.Range(0, count).Select(p => Enumerable.Range(0, headDim).Sum(d => (double)q[d] * (double)k[p * headDim + d]) * scale).ToArray();
        double max = scores.Max();
        var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
        double total = weights.Sum();
        for (int d = 0; d < headDim; d++)
        {
            double expected = Enumerable.Range(0, count).Sum(p => weights[p] * (double)v[p * headDim + d]) / total;
            Assert.True(Math.Abs(expected - output[d]) < 1e-5, $"[{d}] {output[d]} vs {expected}");
        }
    }
}
