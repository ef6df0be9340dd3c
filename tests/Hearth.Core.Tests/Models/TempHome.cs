using Hearth.Core.Models;

namespace Hearth.Core.Tests.Models;

/// <summary>A throwaway HEARTH_HOME and model options pointed at a <see cref="FakeHub"/>, with quick retries.</summary>
public sealed class TempHome : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("hearth-test-").FullName;

    public ModelOptions Options(FakeHub hub, long? quota = null, int parallel = 3, string? token = null) => new()
    {
        Home = Dir,
        HubEndpoint = hub.Endpoint,
        HubToken = token,
        QuotaBytes = quota,
        MaxParallelDownloads = parallel,
        RetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        StallTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Files under the models folder other than the index.</summary>
    public string[] ModelFiles() => Directory.Exists(Path.Combine(Dir, "models"))
        ? Directory.GetFiles(Path.Combine(Dir, "models"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("index.json")).ToArray()
        : [];

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Collects progress synchronously (System.Progress posts to the thread pool, which reorders events).</summary>
public sealed class ProgressLog : IProgress<ProgressEvent>
{
    readonly List<ProgressEvent> _events = [];
    public void Report(ProgressEvent value) { lock (_events) _events.Add(value); }
    public IReadOnlyList<ProgressEvent> Events { get { lock (_events) return _events.ToList(); } }
}
