namespace Hearth.Core.Models;

/// <summary>Base of every error a user can hit while finding, fetching, keeping or loading a model.</summary>
public class ModelException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The name does not match a catalog entry, a Hub file or a local file.</summary>
public sealed class ModelNotFoundException(string message, Exception? inner = null) : ModelException(message, inner);

/// <summary>The Hub refused access: the repository is gated or private and needs <c>HF_TOKEN</c>.</summary>
public sealed class ModelAccessDeniedException(string message) : ModelException(message);

/// <summary>A downloaded file's sha256 did not match what the catalog or the Hub published.</summary>
public sealed class ModelIntegrityException(string message) : ModelException(message);

/// <summary>The download kept failing after every retry.</summary>
public sealed class ModelDownloadException(string message, Exception? inner = null) : ModelException(message, inner);

/// <summary>The model cannot be stored: it is larger than the quota left after evicting every model not in use, or than the free disk.</summary>
public sealed class ModelStorageException(string message) : ModelException(message);

/// <summary>The model needs more memory than this machine has free.</summary>
public sealed class ModelTooLargeException(string message, long neededBytes, long availableBytes, string? suggestion)
    : ModelException(message)
{
    public long NeededBytes { get; } = neededBytes;
    public long AvailableBytes { get; } = availableBytes;
    /// <summary>A catalog model id that fits, if any does.</summary>
    public string? Suggestion { get; } = suggestion;
}
