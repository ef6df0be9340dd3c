using Hearth.Client;
using Hearth.Core.Registry;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Providers;

/// <summary>Something that runs chat models: this machine's engine, another server, the cloud.</summary>
public interface IChatProvider
{
    /// <summary>The prefix of its model ids (<c>name/model</c>); "local" for this machine's engine.</summary>
    string Name { get; }
    /// <summary>Inference stays on this device.</summary>
    bool IsLocal { get; }
    /// <summary>Lower goes first under the "priority" policy.</summary>
    int Priority { get; }
    /// <summary>How long to wait for a first token before moving on (null: no limit of its own).</summary>
    TimeSpan? FirstTokenTimeout { get; }

    /// <summary>Price per million tokens of one of its models; null when unknown.</summary>
    ModelPrice? PriceOf(string model);

    /// <summary>Its models, ids without the provider prefix.</summary>
    Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Whether it serves this model without downloading anything.</summary>
    Task<bool> OffersAsync(string model, CancellationToken cancellationToken);

    /// <summary>A client for one model; dispose it when the request ends.</summary>
    Task<IChatClient> GetChatClientAsync(string model, TimeSpan? keepAlive, CancellationToken cancellationToken);
}
