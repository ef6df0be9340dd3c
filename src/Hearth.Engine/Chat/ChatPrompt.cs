using System.Text;
using System.Text.Json;
using Hearth.Engine.Templates;
using Hearth.Engine.Tokenization;
using Microsoft.Extensions.AI;

namespace Hearth.Engine.Chat;

/// <summary>
/// Renders a conversation to prompt tokens: the model's <c>tokenizer.chat_template</c> through the template
/// interpreter, with the generation prompt added. A model without a template (a base model such as stories260K)
/// gets the raw-completion fallback: the message contents concatenated in order, nothing added between them, so a
/// single user message "Once upon a time" is continued as a story.
/// </summary>
internal sealed class ChatPrompt(Tokenizer tokenizer, ChatTemplate? template)
{
    public bool HasTemplate => template is not null;

    public int[] Tokenize(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        var text = Render(messages, options);
        // A template that writes bos_token itself must not get a second one from the tokenizer.
        var bos = tokenizer.BosId is { } id ? tokenizer.TokenText(id) : null;
        var templateAddsBos = template is not null && bos is not null && text.StartsWith(bos, StringComparison.Ordinal);
        return tokenizer.Encode(text, addSpecial: !templateAddsBos, parseSpecial: template is not null);
    }

    public string Render(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        if (!string.IsNullOrEmpty(options?.Instructions)) list.Insert(0, new ChatMessage(ChatRole.System, options.Instructions));
        if (list.Count == 0) throw new ArgumentException("The conversation has no messages.", nameof(messages));

        if (template is null) return string.Concat(list.Select(m => m.Text));

        var context = new TemplateContext
        {
            Messages = list.Select(ToTemplateMessage).ToList<object?>(),
            // tool_choice "none": the model is not told about the tools, so it cannot call them.
            Tools = options?.ToolMode is NoneChatToolMode ? null : ToTemplateTools(options?.Tools),
            AddGenerationPrompt = true,
            BosToken = tokenizer.BosId is { } bos ? tokenizer.TokenText(bos) : null,
            EosToken = tokenizer.EosId is { } eos ? tokenizer.TokenText(eos) : null,
        };
        return template.Render(context);
    }

    static Dictionary<string, object?> ToTemplateMessage(ChatMessage message)
    {
        var result = new Dictionary<string, object?> { ["role"] = message.Role.Value };
        var calls = message.Contents.OfType<FunctionCallContent>().ToList();
        var toolResult = message.Contents.OfType<FunctionResultContent>().FirstOrDefault();
        if (toolResult is not null)
        {
            result["content"] = toolResult.Result switch { null => "", string s => s, var r => JsonSerializer.Serialize(r) };
            result["tool_call_id"] = toolResult.CallId;
        }
        else
        {
            result["content"] = message.Text;
        }
        if (calls.Count > 0)
        {
            result["tool_calls"] = calls.Select(c => (object?)new Dictionary<string, object?>
            {
                ["id"] = c.CallId,
                ["type"] = "function",
                ["function"] = new Dictionary<string, object?>
                {
                    ["name"] = c.Name,
                    ["arguments"] = c.Arguments is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(c.Arguments),
                },
            }).ToList();
        }
        return result;
    }

    static List<object?>? ToTemplateTools(IList<AITool>? tools)
    {
        var functions = tools?.OfType<AIFunctionDeclaration>().ToList();
        if (functions is null || functions.Count == 0) return null;
        return functions.Select(f => (object?)new Dictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new Dictionary<string, object?>
            {
                ["name"] = f.Name,
                ["description"] = f.Description,
                ["parameters"] = f.JsonSchema,
            },
        }).ToList();
    }
}
