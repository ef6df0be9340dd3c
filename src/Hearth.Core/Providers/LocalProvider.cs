using Hearth.Client;
using Hearth.Core.Registry;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Providers;

/// <summary>This machine's engine: the models of a <see cref="IModelRegistry"/>, loaded on demand. Free, private.</summary>
public sealed class LocalProvider(IModelRegistry registry, int priority = 0) : IChatProvider
{
    public const string ProviderName = "local";
    static readonly ModelPrice Free = new(0, 0);

    public string Name => ProviderName;
    public bool IsLocal => true;
    public int Priority => priority;
    public TimeSpan? FirstTokenTimeout => null;
    public IModelRegistry Registry => registry;

    public ModelPrice? PriceOf(string model) => Free;

    public Task<IReadOnlyList<ModelDescriptor>> ListAsync(CancellationToken cancellationToken) => registry.ListAsync(cancellationToken);

    public async Task<bool> OffersAsync(string model, CancellationToken cancellationToken)
    {
        if (model == "default") return true;
        // Only what is here already: a fallback must never start a download.
        return (await registry.ListAsync(cancellationToken).ConfigureAwait(false)).Any(m => m.Id == model && (m.Cached || m.Loaded));
    }

    public Task<IChatClient> GetChatClientAsync(string model, TimeSpan? keepAlive, CancellationToken cancellationToken) =>
        registry.GetChatClientAsync(model, keepAlive, cancellationToken);
}
