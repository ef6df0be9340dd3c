namespace Hearth.Engine.Tokenization;

/// <summary>The model's tokenizer (<c>tokenizer.ggml.model</c> or <c>tokenizer.ggml.pre</c>) is one this engine does not implement.</summary>
public sealed class UnsupportedTokenizerException(string message) : NotSupportedException(message);

/// <summary>The GGUF file's tokenizer metadata is missing or inconsistent.</summary>
public sealed class InvalidTokenizerException(string message) : Exception(message);
