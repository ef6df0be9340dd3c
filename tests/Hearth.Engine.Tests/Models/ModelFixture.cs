using Hearth.Engine.Gguf;
using Hearth.Engine.Models;
using Hearth.Tests;

namespace Hearth.Engine.Tests.Models;

/// <summary>Opens each shared test model once per test run (they are memory-mapped, so this is cheap to keep).</summary>
public sealed class ModelFixture : IDisposable
{
    readonly Dictionary<string, (GgufFile File, TransformerModel Model)> _models = [];

    public TransformerModel Get(string name)
    {
        lock (_models)
        {
            if (_models.TryGetValue(name, out var entry)) return entry.Model;
            var file = GgufFile.Open(TestModels.Path(name + ".gguf"));
            var model = TransformerModel.Load(file, threads: 2);
            _models[name] = (file, model);
            return model;
        }
    }

    public void Dispose()
    {
        foreach (var (file, model) in _models.Values)
        {
            model.Dispose();
            file.Dispose();
        }
    }
}
