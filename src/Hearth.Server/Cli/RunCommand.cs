using System.CommandLine;
using Hearth.Core.Chat;
using Hearth.Core.Memory;
using Hearth.Core.Service;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace Hearth.Server.Cli;

/// <summary>
/// <c>hearth run MODEL</c>: chat in the terminal, streamed, saved in the same conversation store as the server.
/// Runs the model in this process. Ctrl+C stops a reply; /bye or end of input leaves.
/// </summary>
static class RunCommand
{
    static readonly Argument<string?> Model = new("model")
    {
        Description = "Model id (see GET /v1/models), a catalog id, a Hub ref or a path to a .gguf file (default: the catalog's default model).",
        Arity = ArgumentArity.ZeroOrOne,
    };
    static readonly Option<string?> Conversation = new("--conversation") { Description = "Continue this stored conversation." };
    static readonly Option<float?> Temperature = new("--temperature") { Description = "Sampling temperature (0 = greedy)." };
    static readonly Option<int?> MaxTokens = new("--max-tokens") { Description = "Most tokens per reply." };

    public static Command Create()
    {
        var command = new Command("run", "Chat with a model in the terminal.")
        {
            Model, Conversation, Temperature, MaxTokens, HearthCli.Home, HearthCli.ContextLength, HearthCli.ModelFiles, HearthCli.ModelFolders,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ServerOptions
            {
                Home = HearthHome.Resolve(parse.GetValue(HearthCli.Home)),
                ModelFiles = [.. parse.GetValue(HearthCli.ModelFiles) ?? []],
                ModelFolders = [.. parse.GetValue(HearthCli.ModelFolders) ?? []],
                ContextLength = parse.GetValue(HearthCli.ContextLength),
            };
            using var manager = HearthApp.DefaultManager(options);
            var model = parse.GetValue(Model) ?? manager.Catalog.DefaultModel.Id;
            if (model.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && File.Exists(model))
            {
                options.ModelFiles.Add(model);
                model = Path.GetFileNameWithoutExtension(model);
            }
            await using var models = HearthApp.DefaultModels(options, manager);
            var store = ConversationStore.Open(HearthHome.ConversationsDb(options.Home));

            IChatClient engine;
            try
            {
                engine = await AnsiConsole.Status().StartAsync($"Loading {Markup.Escape(model)}...", _ => models.GetChatClientAsync(model, cancellationToken: ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                AnsiConsole.MarkupLine($"[red]hearth:[/] {Markup.Escape(e.Message)}");
                return 1;
            }
            using var client = new ConversationMemoryChatClient(new ContextGuardChatClient(engine), store, new MemoryOptions());
            var conversationId = parse.GetValue(Conversation);
            if (conversationId is not null && await store.GetAsync(conversationId, ct) is null)
            {
                AnsiConsole.MarkupLine($"[red]hearth:[/] no conversation {Markup.Escape(conversationId)}.");
                return 1;
            }

            AnsiConsole.MarkupLine("[grey]Type a message. /bye or Ctrl+D leaves; Ctrl+C stops a reply.[/]");
            while (!ct.IsCancellationRequested)
            {
                AnsiConsole.Markup("[bold green]>>> [/]");
                var line = Console.ReadLine();
                if (line is null || line.Trim() == "/bye") break;
                if (line.Trim().Length == 0) continue;

                var message = new ChatMessage(ChatRole.User, line);
                conversationId ??= (await store.CreateAsync(ChatCompletionHandler.TitleOf([message]), model, ct: ct)).Id;
                var chatOptions = new ChatOptions
                {
                    ModelId = model, ConversationId = conversationId,
                    Temperature = parse.GetValue(Temperature), MaxOutputTokens = parse.GetValue(MaxTokens),
                };
                await Reply(client, message, chatOptions, ct);
            }
            if (conversationId is not null) AnsiConsole.MarkupLine($"[grey]Saved as conversation {conversationId}.[/]");
            return 0;
        });
        return command;
    }

    static async Task Reply(IChatClient client, ChatMessage message, ChatOptions options, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            await foreach (var update in client.GetStreamingResponseAsync([message], options, stop.Token))
                Console.Write(update.Text);
            Console.WriteLine();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("\n[grey](stopped)[/]");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AnsiConsole.MarkupLine($"\n[red]{Markup.Escape(ChatCompletion.Translate(e).Message)}[/]");
        }
        finally { Console.CancelKeyPress -= onCtrlC; }
    }
}
