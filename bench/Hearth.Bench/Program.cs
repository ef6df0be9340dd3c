using Hearth.Bench;

if (args.Length > 0 && args[0] == "kernels")
{
    KernelBench.Run(args);
    return;
}
if (args.Length > 0 && args[0] == "kernels-rows")
{
    KernelBench.RowScaling(args);
    return;
}
Console.WriteLine("usage: Hearth.Bench kernels [threads] [types, e.g. Q8_0,Q4_K]  |  Hearth.Bench kernels-rows [types]");
