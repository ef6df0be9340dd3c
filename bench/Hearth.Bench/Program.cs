using Hearth.Bench;

// One entry point, one mode per benchmark: dotnet run -c Release --project bench/Hearth.Bench -- <mode> [args]
switch (args.FirstOrDefault())
{
    case "kernels": KernelBench.Run(args); return 0;
    case "kernels-rows": KernelBench.RowScaling(args); return 0;
    case "kernels-paths": KernelBench.Paths(args); return 0;
    case "kernels-pp": KernelBench.PromptShapes(args); return 0;
    case "kernels-attn": AttentionBench.Run(args); return 0;
    case "tokenizer": TokenizerBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "models")); return 0;
    case "service": return await ServiceBench.RunAsync(args[1..]);
    case "engine": EngineBench.Run(args); return 0;
    case "gen-model": ModelGenerator.Run(args); return 0;
    case "gen-arch": ArchitectureFixtures.Run(args); return 0;
    case "grammar": await GrammarBench.RunAsync(args); return 0;
    case "fuzz": return FuzzBench.Run(args);
    case "profile": ProfileBench.Run(args); return 0;
    default:
        Console.WriteLine("""
            usage: Hearth.Bench <mode>
              kernels [threads] [types, e.g. Q8_0,Q4_K]   matmul throughput per weight type
              kernels-rows [types]                        matmul scaling with rows
              kernels-paths [types]                       every SIMD path per type
              kernels-pp [types] [n] [reps] [RxC,...]     1 thread, Llama-3.2-1B (or given) matmul shapes, n activation rows
              kernels-attn [headDim] [prompt] [reps]      1 thread, one head's causal attention over a prompt
              tokenizer [models dir]                      tokenizer load, encode and decode throughput
              service [MODEL.gguf] [tokens]               the HTTP service: latency, tokens/s, overhead
              engine --model FILE [--threads N] [--prompt 128,512] [--gen 64,128] [--repeat 3]
                                                          llama-bench-like pp/tg tokens/s, load time, peak RSS
              grammar --model FILE [--threads N] [--gen 64] [--repeat 3] [--schema FILE]
                                                          per-token cost of grammar-constrained decoding (cold and warm masks)
              gen-model --shape qwen2.5-0.5b|llama-3.2-1b --type q8_0|q4_k_m --out FILE
                                                          a GGUF of real shape with random weights
              profile --model FILE [--threads N] [--tokens 32]
                                                          decode time per tensor kind vs the rest
              fuzz [--iterations 100000] [--seed 1] [--models DIR] [--findings DIR]
                                                          mutation fuzzer over the fixture GGUFs: parse, tokenizer, config, load, one token
            """);
        return 1;
}
