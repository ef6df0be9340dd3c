import { describe, expect, test } from 'vitest';
import { parseChatRequest, parseJsonBody } from '../../src/wire';
import { ApiError } from '../../src/errors';

const user = [{ role: 'user', content: 'hi' }];

function rejects(body: Record<string, unknown>, param: string | null) {
  try {
    parseChatRequest(body, null);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).param).toBe(param);
    return;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('parseChatRequest', () => {
  test('fills OpenAI defaults', () => {
    const r = parseChatRequest({ model: 'm', messages: user }, null);
    expect(r).toMatchObject({ model: 'm', stream: false, temperature: 1, topP: 1, maxTokens: null, seed: null, stop: [], conversationId: null });
  });
  test('reads text parts, stop strings, max_completion_tokens and the conversation', () => {
    const r = parseChatRequest({
      model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }],
      stop: 'END', max_completion_tokens: 5, conversation_id: 'c1', stream: true, stream_options: { include_usage: true },
    }, null);
    expect(r.messages[0].content).toBe('ab');
    expect(r).toMatchObject({ stop: ['END'], maxTokens: 5, conversationId: 'c1', stream: true, includeUsage: true });
  });
  test('the x-conversation-id header wins over the body field', () => {
    expect(parseChatRequest({ model: 'm', messages: user, conversation_id: 'body' }, 'header').conversationId).toBe('header');
  });
  test('rejects bad input on the right param', () => {
    rejects({ model: 'm' }, 'messages');
    rejects({ model: 'm', messages: [] }, 'messages');
    rejects({ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages');
    rejects({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }, 'messages');
    rejects({ messages: user }, 'model');
    rejects({ model: 'm', messages: user, n: 2 }, 'n');
    rejects({ model: 'm', messages: user, temperature: -1 }, 'temperature');
    rejects({ model: 'm', messages: user, top_p: 2 }, 'top_p');
    rejects({ model: 'm', messages: user, max_tokens: 0 }, 'max_tokens');
    rejects({ model: 'm', messages: user, max_tokens: 1.5 }, 'max_tokens');
    rejects({ model: 'm', messages: user, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop');
    rejects({ model: 'm', messages: user, stream: 'yes' }, 'stream');
  });
});

describe('parseJsonBody', () => {
  test('malformed and non-object bodies are 400s', () => {
    expect(() => parseJsonBody('{"a":')).toThrow(ApiError);
    expect(() => parseJsonBody('[1]')).toThrow(/JSON object/);
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 });
  });
  test('refuses parameters it cannot honour, naming them, and accepts inert ones', () => {
    rejects({ model: 'm', messages: user, modalities: ['audio'] }, 'modalities');
    rejects({ model: 'm', messages: user, logit_bias: { 1: 2 } }, 'logit_bias');
    rejects({ model: 'm', messages: user, stream: true, stream_options: { bogus: 1 } }, 'stream_options.bogus');
    rejects({ model: 'm', messages: user, frequency_penalty: 3 }, 'frequency_penalty');
    const r = parseChatRequest({ model: 'm', messages: user, user: 'u', store: false, metadata: {}, modalities: null, presence_penalty: 0.5 }, null);
    expect(r.presencePenalty).toBe(0.5);
  });
});
