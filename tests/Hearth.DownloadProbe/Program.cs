// Pulls one model with Hearth's downloader and prints its progress, so a test can kill it mid-download.
// Usage: Hearth.DownloadProbe HEARTH_HOME HUB_ENDPOINT MODEL
using Hearth.Core.Models;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Hearth.DownloadProbe HEARTH_HOME HUB_ENDPOINT MODEL");
    return 2;
}
var options = new ModelOptions { Home = args[0], HubEndpoint = new Uri(args[1]), RetryDelay = TimeSpan.FromMilliseconds(10) };
using var models = new ModelManager(options);
var progress = new SyncProgress(e => Console.WriteLine($"{e.Phase} {e.Bytes} {e.Total}"));
var model = await models.PullAsync(args[2], progress);
Console.WriteLine($"complete {model.Path}");
return 0;

sealed class SyncProgress(Action<ProgressEvent> report) : IProgress<ProgressEvent>
{
    public void Report(ProgressEvent value) => report(value);
}
