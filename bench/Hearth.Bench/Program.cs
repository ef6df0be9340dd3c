// Hearth benchmarks. `service [MODEL.gguf] [tokens]`: the HTTP service's figures (ServiceBench.cs).
if (args is ["service", ..]) return await Hearth.Bench.ServiceBench.RunAsync(args[1..]);
Console.WriteLine("usage: Hearth.Bench service [MODEL.gguf] [tokens]");
return 1;
