using Hearth.Engine.Chat;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Chat;

/// <summary>stories260K (the trained model) loaded once for a test class; its tests run one after another.</summary>
public sealed class StoriesModelFixture : IDisposable
{
    public ChatModel Model { get; } = ChatModel.Load(TestModels.Path("stories260K.gguf"), new ChatModelOptions { Threads = 1 });

    public void Dispose() => Model.Dispose();
}
