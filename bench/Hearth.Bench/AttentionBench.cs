using System.Diagnostics;
using System.Globalization;
using Hearth.Engine.Kernels;

namespace Hearth.Bench;

/// <summary>
/// <c>kernels-attn [headDim] [prompt] [reps]</c>: one thread, causal attention over a prompt's positions in ns per
/// attended (row, position) pair, in both forms: the F16 one (<see cref="Attention.Heads"/>, blocks of
/// <see cref="Attention.MaxRows"/> rows, one head), and the tiled one of passes of 64+ rows
/// (<see cref="TiledAttention.Rows"/>, blocks of <see cref="TiledAttention.BlockRows"/> rows, 4 heads sharing a KV head).
/// </summary>
static unsafe class AttentionBench
{
    public static void Run(string[] args)
    {
        int headDim = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
        int prompt = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 128;
        int reps = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 200;
        const int kvHeads = 2;
        long stride = kvHeads * headDim;
        var rnd = new Random(1);
        var keys = new Half[prompt * stride];
        var values = new Half[prompt * stride];
        for (int i = 0; i < keys.Length; i++) { keys[i] = (Half)(rnd.NextSingle() - 0.5f); values[i] = (Half)(rnd.NextSingle() - 0.5f); }
        var q = new float[prompt * headDim];
        for (int i = 0; i < q.Length; i++) q[i] = rnd.NextSingle() - 0.5f;
        var output = new float[prompt * headDim];
        var scratch = new float[2 * Attention.MaxRows * headDim];
        float scale = 1f / MathF.Sqrt(headDim);
        fixed (Half* k = keys, v = values)
        fixed (float* qp = q, o = output, s = scratch)
        {
            static void Pass(float* qp, Half* k, Half* v, float* s, float* o, int prompt, int headDim, long stride, float scale)
            {
                for (int i = 0; i < prompt; i += Attention.MaxRows)
                {
                    int rows = Math.Min(Attention.MaxRows, prompt - i);
                    Attention.Heads(qp + i * headDim, headDim, rows, 1, k, v, stride, i + 1, headDim, scale, s, o + i * headDim, headDim);
                }
            }
            for (int r = 0; r < 20; r++) Pass(qp, k, v, s, o, prompt, headDim, stride, scale);
            var clock = Stopwatch.StartNew();
            for (int r = 0; r < reps; r++) Pass(qp, k, v, s, o, prompt, headDim, stride, scale);
            double pairs = (double)prompt * (prompt + 1) / 2 * reps;
            Console.WriteLine($"F16 attention, headDim {headDim}, prompt {prompt}: {clock.Elapsed.TotalMilliseconds / reps * 1000:F1} us per head, {clock.Elapsed.TotalNanoseconds / pairs:F2} ns per (row, position)");
        }

        // the tiled form: 4 query heads on one KV head, queries 4 x headDim apart
        const int heads = 4;
        var q4 = new float[prompt * heads * headDim];
        for (int i = 0; i < q4.Length; i++) q4[i] = rnd.NextSingle() - 0.5f;
        var output4 = new float[q4.Length];
        var tiledScratch = new float[TiledAttention.ScratchFloats(headDim, heads)];
        fixed (Half* k = keys, v = values)
        fixed (float* qp = q4, o = output4, s = tiledScratch)
        {
            static void Pass(float* qp, Half* k, Half* v, float* s, float* o, int prompt, int headDim, long stride, float scale)
            {
                for (int i = 0; i < prompt; i += TiledAttention.BlockRows)
                {
                    int rows = Math.Min(TiledAttention.BlockRows, prompt - i);
                    TiledAttention.Rows(qp + i * heads * headDim, heads * headDim, rows, heads, i, int.MaxValue, k, v, stride, headDim, scale, 0,
                        o + i * heads * headDim, heads * headDim, s);
                }
            }
            for (int r = 0; r < 20; r++) Pass(qp, k, v, s, o, prompt, headDim, stride, scale);
            var clock = Stopwatch.StartNew();
            for (int r = 0; r < reps; r++) Pass(qp, k, v, s, o, prompt, headDim, stride, scale);
            double pairs = (double)prompt * (prompt + 1) / 2 * reps * heads;
            Console.WriteLine($"tiled attention, headDim {headDim}, prompt {prompt}: {clock.Elapsed.TotalMilliseconds / reps / heads * 1000:F1} us per head, {clock.Elapsed.TotalNanoseconds / pairs:F2} ns per (row, position)");
        }
    }
}
