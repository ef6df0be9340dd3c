namespace Hearth.Core.Registry;

/// <summary>What <c>GET /v1/models</c> says about one model.</summary>
/// <param name="Id">The id clients put in <c>model</c>.</param>
/// <param name="ContextWindow">The context window as loaded (null while not loaded).</param>
/// <param name="Cached">The weights are on this machine.</param>
/// <param name="Loaded">In memory now.</param>
/// <param name="Compatible">Fits this machine's memory.</param>
/// <param name="Quantization">e.g. Q4_K_M, Q8_0, F32; null when unknown.</param>
public sealed record ModelDescriptor(
    string Id, long SizeBytes, string? Quantization, bool Cached, bool Loaded, bool Compatible, int? ContextWindow,
    long CreatedUnixSeconds, string OwnedBy = "hearth");

/// <summary>One progress report while a model loads.</summary>
/// <param name="Phase">e.g. "read", "load", "ready".</param>
/// <param name="Progress">0..1.</param>
public sealed record ModelLoadProgress(string Phase, double Progress, long Bytes, long Total, string? Text = null);
