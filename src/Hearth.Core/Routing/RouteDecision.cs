using Microsoft.Extensions.AI;

namespace Hearth.Core.Routing;

/// <summary>
/// Where a request went, filled in by the router once a provider has started answering: read by the host for the
/// <c>x-hearth-provider</c> header and by conversation memory for each saved message. Shared through
/// <see cref="ChatOptions.AdditionalProperties"/> under <see cref="Key"/> (clones of the options share it).
/// </summary>
public sealed class RouteDecision
{
    public const string Key = "hearth.route.decision";

    /// <summary>The provider that answered (null until one did).</summary>
    public string? Provider { get; private set; }
    /// <summary>The model as that provider names it.</summary>
    public string? Model { get; private set; }
    public bool Local { get; private set; }
    /// <summary>Providers tried before it and why they were passed over, e.g. "up: connection refused".</summary>
    public IReadOnlyList<string> PassedOver { get; private set; } = [];

    internal void Decide(string provider, string model, bool local, IReadOnlyList<string> passedOver)
    {
        Provider = provider;
        Model = model;
        Local = local;
        PassedOver = passedOver;
    }

    /// <summary>The decision attached to these options, if any.</summary>
    public static RouteDecision? Of(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(Key, out var d) == true ? d as RouteDecision : null;
}
