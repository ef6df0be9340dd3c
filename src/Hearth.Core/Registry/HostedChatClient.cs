using Hearth.Core.Models;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Registry;

/// <summary>
/// A loaded model for as long as someone holds it: delegates to the model and, when disposed, gives back its
/// lease (so the model can idle out) instead of disposing the model, which other requests share.
/// </summary>
sealed class HostedChatClient(ModelLease<IChatClient> lease) : DelegatingChatClient(lease.Model)
{
    protected override void Dispose(bool disposing)
    {
        if (disposing) lease.Dispose();
    }
}
