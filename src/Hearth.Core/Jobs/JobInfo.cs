using System.Text.Json.Serialization;
using Hearth.Core.Models;

namespace Hearth.Core.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus { Running, Succeeded, Failed, Canceled }

/// <summary>A snapshot of one job: what <c>GET /v1/jobs/{id}</c> returns.</summary>
/// <param name="Kind">What the job does, e.g. "pull".</param>
/// <param name="Subject">What it works on, e.g. the model name.</param>
/// <param name="Progress">The latest progress report.</param>
/// <param name="Result">What the job produced, when it succeeded.</param>
public sealed record JobInfo(
    string Id,
    string Kind,
    string Subject,
    JobStatus Status,
    ProgressEvent? Progress,
    string? Error,
    DateTimeOffset Created,
    DateTimeOffset? Finished,
    object? Result = null)
{
    public bool IsFinished => Status != JobStatus.Running;
}

/// <summary>Types of <see cref="JobEvent"/>.</summary>
public static class JobEventType
{
    /// <summary>The job's state when a subscriber attaches (always the first event).</summary>
    public const string State = "state";
    public const string Progress = "progress";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
}

/// <summary>One event on a job's stream: its type and the job as it is after the event.</summary>
public sealed record JobEvent(string Type, JobInfo Job);

/// <summary>Thrown for a job id the manager does not know (never started, or long finished and forgotten).</summary>
public sealed class JobNotFoundException(string id) : KeyNotFoundException($"No job with id '{id}'.")
{
    public string Id { get; } = id;
}
