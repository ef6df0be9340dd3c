using System.CommandLine;

namespace Hearth.Server.Cli;

/// <summary>The <c>hearth</c> command line.</summary>
static class HearthCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Hearth: local LLMs behind an OpenAI-compatible API, with memory.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ModelCommands.CreatePull());
        root.Subcommands.Add(ModelCommands.CreateList());
        root.Subcommands.Add(ModelCommands.CreateRm());
        root.Subcommands.Add(PsCommand.Create());
        root.Subcommands.Add(ProvidersCommand.Create());
        return root;
    }

    /// <summary>Options the commands share.</summary>
    public static readonly Option<string> Host = new("--host")
    {
        Description = "Address to bind or reach (HEARTH_HOST). Anything but loopback needs --api-key.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HEARTH_HOST") is { Length: > 0 } h ? h : "127.0.0.1",
    };

    public static readonly Option<int> Port = new("--port")
    {
        Description = $"TCP port (HEARTH_PORT; default {ServerOptions.DefaultPort}; 0 picks a free one).",
        DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("HEARTH_PORT"), out var p) ? p : ServerOptions.DefaultPort,
    };

    public static readonly Option<string?> Home = new("--home") { Description = "Hearth's folder (HEARTH_HOME; default ~/.hearth)." };

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "Bearer key clients must send (HEARTH_API_KEY).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HEARTH_API_KEY") is { Length: > 0 } k ? k : null,
    };

    public static readonly Option<string?> Model = new("--model")
    {
        Description = "The default model (HEARTH_MODEL): a catalog id, hf.co/{repo}:{quant}, {repo}/{file}.gguf or a .gguf path; default: the catalog's default.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HEARTH_MODEL") is { Length: > 0 } m ? m : null,
    };

    public static readonly Option<int?> ContextLength = new("--context-length")
    {
        Description = "Context window models are loaded with (HEARTH_CONTEXT_LENGTH; default min(trained, 4096)).",
        DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("HEARTH_CONTEXT_LENGTH"), out var n) ? n : null,
    };

    public static readonly Option<string[]> ModelFiles = new("--model-file") { Description = "A GGUF file to serve (repeatable); its id is the file name without .gguf." };
    public static readonly Option<string[]> ModelFolders = new("--models") { Description = "A folder of GGUF files to serve (repeatable)." };
}
