import { expect, test } from 'vitest';
import { newTurns } from '../../src/chat';
import { titleFrom } from '../../src/conversations';
import { templatelessPrompt } from '../../src/prompt';
import type { MessageRecord } from '../../src/db';

const stored = (role: string, content: string, seq: number): MessageRecord =>
  ({ id: String(seq), conversationId: 'c', seq, role, content, interrupted: false, timings: {}, createdAt: '' });

test('only turns after the stored history are new when a client resends it all', () => {
  const history = [stored('user', 'a', 0), stored('assistant', 'b', 1)];
  const resent = [{ role: 'user' as const, content: 'a' }, { role: 'assistant' as const, content: 'b' }, { role: 'user' as const, content: 'c' }];
  expect(newTurns(history, resent)).toEqual([{ role: 'user', content: 'c' }]);
  expect(newTurns(history, [{ role: 'user', content: 'c' }])).toEqual([{ role: 'user', content: 'c' }]);
  expect(newTurns([], resent)).toEqual(resent);
  const different = [{ role: 'user' as const, content: 'x' }, ...resent.slice(1)];
  expect(newTurns(history, different)).toEqual(different);
});

test('titles are the first 60 characters; template-less prompts join contents by newlines', () => {
  expect(titleFrom('  ' + 'x'.repeat(70))).toBe('x'.repeat(60));
  expect(templatelessPrompt([{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }])).toBe('S\nU');
});

test('the sliding window never keeps a tool result whose call it dropped', async () => {
  const { keptHistory } = await import('../../src/chat');
  const m = (role: 'system' | 'user' | 'assistant' | 'tool', content: string) => ({ role, content });
  const history = [m('system', 's'), m('user', 'q'), m('assistant', ''), m('tool', 'r1'), m('tool', 'r2'), m('assistant', 'a'), m('user', 'q2'), m('assistant', 'a2')];
  expect(keptHistory(history, 1, 0)).toEqual(history);
  expect(keptHistory(history, 1, 2).map((x) => x.content)).toEqual(['s', 'a', 'q2', 'a2']);
  expect(keptHistory(history, 1, 4).map((x) => x.content)).toEqual(['s', 'a', 'q2', 'a2']);
  expect(keptHistory(history, 0, 3).map((x) => x.content)).toEqual(['a', 'q2', 'a2']);
});
