/**
 * One conversation per image, all its QA pairs as turns, in the two layouts fine-tuning stacks read:
 * LLaVA's (`from: human | gpt`, `<image>` opening the first human turn) and chat `messages`
 * (`role: system | user | assistant` with a list of typed content parts, as Hugging Face chat templates,
 * TRL, LLaMA-Factory's OpenAI-style datasets and Axolotl read them; the image is a `{type: 'image',
 * image: path}` part at the start of the first user turn, and `images` lists it beside).
 */
import type { QARecord } from '@spatialforge/core';
import type { DatasetRegion } from './regions.js';

export interface LlavaConversation {
  id: string;
  image: string;
  conversations: { from: 'human' | 'gpt'; value: string }[];
  regions?: DatasetRegion[];
}

type ContentPart = { type: 'image'; image: string } | { type: 'text'; text: string };

export interface MessagesLine {
  id: string;
  images: string[];
  messages: { role: 'system' | 'user' | 'assistant'; content: ContentPart[] }[];
  regions?: DatasetRegion[];
}

export function llavaConversation(id: string, image: string, qa: readonly QARecord[], regions: DatasetRegion[]): LlavaConversation {
  return {
    id,
    image,
    conversations: qa.flatMap((record, i) => [
      { from: 'human' as const, value: i === 0 ? `<image>\n${record.question}` : record.question },
      { from: 'gpt' as const, value: record.answer },
    ]),
    ...(regions.length ? { regions } : {}),
  };
}

export function messagesLine(id: string, image: string, qa: readonly QARecord[], regions: DatasetRegion[], systemPrompt?: string): MessagesLine {
  const text = (value: string): ContentPart => ({ type: 'text', text: value });
  return {
    id,
    images: [image],
    messages: [
      ...(systemPrompt ? [{ role: 'system' as const, content: [text(systemPrompt)] }] : []),
      ...qa.flatMap((record, i) => [
        { role: 'user' as const, content: i === 0 ? [{ type: 'image' as const, image }, text(record.question)] : [text(record.question)] },
        { role: 'assistant' as const, content: [text(record.answer)] },
      ]),
    ],
    ...(regions.length ? { regions } : {}),
  };
}
