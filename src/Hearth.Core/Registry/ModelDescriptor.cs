namespace Hearth.Core.Registry;

/// <summary>What <c>GET /v1/models</c> says about one model.</summary>
/// <param name="Id">The id clients put in <c>model</c>.</param>
/// <param name="ContextWindow">The context window as loaded; while not loaded, the one a load would give (null when unknown).</param>
/// <param name="Cached">The weights are on this machine.</param>
/// <param name="Loaded">In memory now.</param>
/// <param name="Compatible">Fits this machine's free memory.</param>
/// <param name="Quantization">e.g. Q4_K_M, Q8_0, F32; null when unknown.</param>
/// <param name="IsDefault">The model the server uses when a client does not choose (hearth serve --model).</param>
/// <param name="Provider">Who runs it: "local" (this machine's engine) or a configured provider (see Routing).</param>
/// <param name="Local">Inference stays on this device.</param>
/// <param name="Health">"healthy", "degraded", "unhealthy", "offline"; null when unknown.</param>
/// <param name="Price">USD per million tokens, when known.</param>
public sealed record ModelDescriptor(
    string Id, long SizeBytes, string? Quantization, bool Cached, bool Loaded, bool Compatible, int? ContextWindow,
    long CreatedUnixSeconds, string OwnedBy = "hearth", bool IsDefault = false,
    string Provider = "local", bool Local = true, string? Health = null, Hearth.Client.ModelPrice? Price = null);

/// <summary>One progress report while a model is fetched or loaded.</summary>
/// <param name="Phase">e.g. "resolving", "downloading", "verifying", "loading", "ready".</param>
/// <param name="Progress">0..1 within the phase.</param>
/// <param name="EtaSeconds">Seconds left in this phase when it can be told.</param>
public sealed record ModelLoadProgress(string Phase, double Progress, long Bytes, long Total, string? Text = null, double? EtaSeconds = null);
