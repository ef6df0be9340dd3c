namespace Hearth.Engine.Models;

/// <summary>The file is a model this engine cannot run: an unknown architecture, tensor type or RoPE scaling.</summary>
public sealed class UnsupportedModelException(string message) : NotSupportedException(message);

/// <summary>The file claims to be a supported model but its metadata or tensors are missing or inconsistent.</summary>
public sealed class InvalidModelException(string message) : Exception(message);
