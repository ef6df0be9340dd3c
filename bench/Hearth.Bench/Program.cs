if (args is ["tokenizer", ..])
{
    Hearth.Bench.TokenizerBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "models"));
    return;
}
Console.WriteLine("bench");
