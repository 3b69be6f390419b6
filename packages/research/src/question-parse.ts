/**
 * Reading a free-text question back into a catalog type and the scene objects it names, so the
 * built-in planner can answer it and an LLM's answer can be turned into a fact. Questions written
 * from the catalog's own templates are matched exactly; a few looser phrasings of the multi-object
 * questions ("What is nearest to the lamp?", "Would the mug fit in the box?") are recognised by
 * keywords. Pure: no I/O.
 */
import type { SceneGraph, SceneObject } from '@spatialforge/core';
import { QUESTION_TYPES, questionType, referringNames, type QuestionTypeName } from '@spatialforge/qa';

export interface ParsedQuestion {
  type: QuestionTypeName;
  /**
   * The objects in the catalog's order: {A}, {B}, {C} as named; for "which of these is closest to A"
   * questions the anchor A first, then the listed objects; for sorts, the listed objects.
   */
  objects: SceneObject[];
}

function plain(text: string): string {
  return text.toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, ' ').trim();
}

function withoutArticle(text: string): string {
  return plain(text).replace(/^(?:the|a|an)\s+/, '').replace(/[?.!,;:]+$/, '').trim();
}

/**
 * The object a phrase names: by id, by its name ("the left chair"), by a name the QA catalog gives it
 * ("the second chair from the left"), by colour and label ("orange bottle") or by label when only one
 * object has it. Undefined when none or several fit.
 */
export function resolveObject(phrase: string, scene: SceneGraph): SceneObject | undefined {
  const wanted = withoutArticle(phrase);
  const byId = scene.objects.find((o) => o.id === phrase.trim());
  if (byId) return byId;
  const unique = (matches: SceneObject[]) => (matches.length === 1 ? matches[0] : undefined);
  return (
    unique(scene.objects.filter((o) => withoutArticle(o.name) === wanted)) ??
    unique(byReferringName(scene, wanted)) ??
    unique(scene.objects.filter((o) => `${o.colour} ${o.label}`.toLowerCase() === wanted)) ??
    unique(scene.objects.filter((o) => o.label.toLowerCase() === wanted))
  );
}

/** The objects the QA catalog may call `wanted` (article dropped). */
function byReferringName(scene: SceneGraph, wanted: string): SceneObject[] {
  const names = referringNames(scene);
  return scene.objects.filter((o) => names.get(o.id)?.some((name) => withoutArticle(name) === wanted));
}

/** "the lamp, the red chair and the table" → three phrases. */
function splitList(text: string): string[] {
  return text.split(/\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+/).map((s) => s.trim()).filter(Boolean);
}

interface TemplatePattern {
  type: QuestionTypeName;
  regex: RegExp;
  slots: string[];
}

const SLOT = /\{(A|B|C|objects)\}/g;

function templatePattern(type: QuestionTypeName, template: string): TemplatePattern {
  const slots: string[] = [];
  const body = template
    .trim()
    .replace(/[?.!]+$/, '')
    .split(SLOT)
    .map((part, i) => {
      if (i % 2 === 1) {
        slots.push(part);
        return '(.+?)';
      }
      return plain(part).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
    })
    .join('');
  return { type, regex: new RegExp(`^${body}[?.!]*$`), slots };
}

/** Reasoning types first: their templates are the most specific. */
const PATTERNS: TemplatePattern[] = [...QUESTION_TYPES]
  .sort((a, b) => Number(b.category === 'reasoning') - Number(a.category === 'reasoning'))
  .flatMap((spec) => spec.templates.questions.map((template) => templatePattern(spec.type, template)));

function fromTemplates(question: string, scene: SceneGraph): ParsedQuestion | undefined {
  const text = plain(question);
  for (const pattern of PATTERNS) {
    const match = pattern.regex.exec(text);
    if (!match) continue;
    const bySlot = new Map<string, SceneObject[]>();
    let resolved = true;
    pattern.slots.forEach((slot, i) => {
      const phrases = slot === 'objects' ? splitList(match[i + 1]) : [match[i + 1]];
      const objects = phrases.map((p) => resolveObject(p, scene));
      if (objects.some((o) => o === undefined)) resolved = false;
      else bySlot.set(slot, objects as SceneObject[]);
    });
    if (!resolved) continue;
    const objects = ['A', 'B', 'C', 'objects'].flatMap((slot) => bySlot.get(slot) ?? []);
    return { type: pattern.type, objects };
  }
  return undefined;
}

/** Objects the question mentions, in the order it mentions them (by name, colour + label, or a unique label). */
export function mentionedObjects(question: string, scene: SceneGraph): SceneObject[] {
  const text = plain(question);
  const labelCount = new Map<string, number>();
  for (const o of scene.objects) labelCount.set(o.label.toLowerCase(), (labelCount.get(o.label.toLowerCase()) ?? 0) + 1);
  const found: { object: SceneObject; at: number; end: number }[] = [];
  for (const object of scene.objects) {
    const phrases = [withoutArticle(object.name), `${object.colour} ${object.label}`.toLowerCase()];
    if (labelCount.get(object.label.toLowerCase()) === 1) phrases.push(object.label.toLowerCase());
    let best: { at: number; end: number } | undefined;
    for (const phrase of phrases) {
      const m = new RegExp(`\\b${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}s?\\b`).exec(text);
      if (m && (!best || m.index < best.at)) best = { at: m.index, end: m.index + m[0].length };
    }
    if (best) found.push({ object, ...best });
  }
  // A shorter phrase inside a longer one ("chair" in "red chair") is the same mention.
  return found
    .filter((f) => !found.some((g) => g !== f && g.at <= f.at && g.end >= f.end && g.end - g.at > f.end - f.at))
    .sort((a, b) => a.at - b.at)
    .map((f) => f.object);
}

/** Looser phrasings of the multi-object questions, by keyword. */
function fromKeywords(question: string, scene: SceneGraph): ParsedQuestion | undefined {
  const text = plain(question);
  const mentioned = mentionedObjects(question, scene);
  const extreme = /\b(closest|nearest)\b/.test(text) ? 'closest_to' : /\b(farthest|furthest|most distant)\b/.test(text) ? 'farthest_from' : undefined;
  if (extreme && !/\bcamera|viewer\b/.test(text)) {
    const anchorPhrase = /\b(?:to|from)\s+(.+?)(?:[?.!]|$|,|:)/.exec(text)?.[1];
    const anchor = (anchorPhrase && resolveObject(anchorPhrase, scene)) ?? mentioned.at(-1);
    if (!anchor) return undefined;
    const listed = mentioned.filter((o) => o !== anchor);
    return { type: extreme, objects: [anchor, ...(listed.length >= 2 ? listed : scene.objects.filter((o) => o !== anchor))] };
  }
  if (/\b(sort|order|rank|list)\b/.test(text) && /\b(camera|viewer)\b/.test(text)) {
    return { type: 'sort_by_camera_distance', objects: mentioned.length >= 2 ? mentioned : scene.objects };
  }
  if (/\btriangle|equilateral\b/.test(text) && mentioned.length === 3) {
    return { type: /equilateral|equal/.test(text) ? 'triangle_equilateral' : 'triangle_right', objects: mentioned };
  }
  if (/\bfits?\b|\bgo\b|\bhold\b/.test(text) && mentioned.length === 2) {
    const type = /\b(under|beneath|underneath|below)\b/.test(text) ? 'fits_under' : /\b(on top of|onto|on)\b/.test(text) ? 'fits_on' : /\b(inside|into|in|within|hold)\b/.test(text) ? 'fits_inside' : undefined;
    if (!type) return undefined;
    // "Is the box big enough to hold the mug?" names the container first.
    const objects = /\bhold\b/.test(text) ? [mentioned[1], mentioned[0]] : mentioned;
    return { type, objects };
  }
  return undefined;
}

/** The catalog type and objects of a question about this scene, or undefined when it cannot be read. */
export function parseQuestion(question: string, scene: SceneGraph): ParsedQuestion | undefined {
  const parsed = fromTemplates(question, scene) ?? fromKeywords(question, scene);
  if (!parsed) return undefined;
  const { arity } = questionType(parsed.type);
  // A "closest to A" question needs its anchor and two listed objects; a sort, two objects.
  const needed = arity === 'set' ? (parsed.type === 'sort_by_camera_distance' ? 2 : 3) : arity;
  return parsed.objects.length >= needed ? parsed : undefined;
}

/**
 * The catalog type of a question and the object phrases it names, from the templates alone (no scene):
 * `{ type: 'choice_closer', phrases: { A: 'the red chair', B: 'the table' } }`. Undefined when no
 * template matches.
 */
export function matchTemplate(question: string): { type: QuestionTypeName; phrases: Record<string, string> } | undefined {
  const text = plain(question);
  for (const pattern of PATTERNS) {
    const match = pattern.regex.exec(text);
    if (match) return { type: pattern.type, phrases: Object.fromEntries(pattern.slots.map((slot, i) => [slot, match[i + 1]])) };
  }
  return undefined;
}
