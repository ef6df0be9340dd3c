using Hearth.Core.Models;

namespace Hearth.Core.Jobs;

/// <summary>What a job's work receives: its id, a progress sink and a token cancelled only by <see cref="JobManager.Cancel"/>.</summary>
public sealed class JobContext(string id, IProgress<ProgressEvent> progress, CancellationToken cancellationToken)
{
    public string Id { get; } = id;
    public IProgress<ProgressEvent> Progress { get; } = progress;
    public CancellationToken CancellationToken { get; } = cancellationToken;
}
