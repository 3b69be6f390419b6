/**
 * Spatial chain-of-thought over a scene graph (SpatialVLM section 5.3). With a language model behind
 * an OpenAI-compatible endpoint, the model plans calls to scene-graph tools (list_objects, distance,
 * direction, size, compare), this module runs them and feeds the results back until the model answers
 * or the step limit is hit; the answer comes with the trace of tool calls as reasoning steps. Without
 * a model, the built-in planner answers the catalog's questions (multi-object ones included).
 */
import { InputError, type Fact, type Frame, type ReasoningStep, type SceneGraph, type SceneObject, type Units } from '@spatialforge/core';
import {
  DEFAULT_MARGINS, RELATIONS, cameraDistance, centreDistance, clockHour, depthOf, formatLength, gapDistance, heightOf,
  horizontalDistance, prepareItem, questionType, referringNames, relationHolds, sortedDimensions, verticalDistance, widthOf, type RelationName,
} from '@spatialforge/qa';
import { matchChoice, parseClockHour, parseLength, parseOrder, parseYesNo } from './answer-parse.js';
import { ChatClient, replyText, type ChatMessage, type ToolDefinition } from './openai-client.js';
import { planAnswer } from './planner.js';
import { parseQuestion, resolveObject, type ParsedQuestion } from './question-parse.js';
import { llmApiKey, llmEndpoint, llmModel } from './settings.js';

export interface LlmConfig {
  endpoint: string;
  model: string;
  apiKey?: string;
  /** Rounds of tool calls before the model is asked to answer. @defaultValue 8 */
  maxSteps?: number;
  /** Retries per request (see ChatClient). @defaultValue 3 */
  retries?: number;
  retryBaseMs?: number;
}

export interface ReasonOptions {
  /** The language model; the built-in planner answers when absent. */
  llm?: LlmConfig;
  /** Units of lengths in answers and tool results' text. @defaultValue 'metric' */
  units?: Units;
}

export interface ToolCallRecord {
  name: string;
  arguments: unknown;
  result: unknown;
}

export interface ReasonResult {
  answer: string;
  steps: ReasoningStep[];
  /**
   * What the answer states, machine-readable. From the built-in planner always; from a model's answer
   * when the question is one the catalog knows and the answer could be read.
   */
  fact?: Fact;
  /** The catalog type the question was read as, when it was. */
  type?: string;
  planner: 'builtin' | 'llm';
  /** The model's tool calls, in order (LLM planner only). */
  toolCalls?: ToolCallRecord[];
}

/** The language model from LLM_ENDPOINT / LLM_MODEL / LLM_API_KEY, or undefined when not configured. */
export function llmConfigFromSettings(env: Record<string, string | undefined> = process.env): LlmConfig | undefined {
  const endpoint = llmEndpoint.read(env);
  const model = llmModel.read(env);
  if (!endpoint || !model) return undefined;
  return { endpoint, model, apiKey: llmApiKey.read(env) };
}

const OBJECT_REF = { type: 'string', description: 'object id from list_objects (or its name, e.g. "the red chair")' };

/** The scene-graph tools offered to the model, as OpenAI function schemas. */
export const SCENE_TOOLS: ToolDefinition[] = [
  {
    type: 'function',
    function: {
      name: 'list_objects',
      description: 'List the objects in the scene: id, name (and every name questions may use for it), label, colour, centre and size (metres; x = right, y = forward from the camera, z = up).',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'distance',
      description: 'Distance in metres between two objects, or from the camera to an object\'s centre (b = "camera"). kind: centre (centre to centre, default), gap (closest points of their oriented boxes), horizontal (centres on the floor plane), vertical (difference in height of the centres).',
      parameters: {
        type: 'object',
        properties: { a: OBJECT_REF, b: { ...OBJECT_REF, description: 'object id or name, or "camera"' }, kind: { type: 'string', enum: ['centre', 'gap', 'horizontal', 'vertical'] } },
        required: ['a', 'b'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'direction',
      description: "Clock position (1-12) of object `to` seen from object `from`, facing away from the camera: 12 = straight ahead, 3 = right.",
      parameters: { type: 'object', properties: { from: OBJECT_REF, to: OBJECT_REF }, required: ['from', 'to'], additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'size',
      description: "An object's width (the longer side of its own footprint), depth (the shorter side) and height in metres, and the three extents of its oriented box sorted longest first.",
      parameters: { type: 'object', properties: { object: OBJECT_REF }, required: ['object'], additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'compare',
      description: 'Whether "a <relation> b" holds, as the dataset judges it: left/right by where the objects are in the picture; above/below by vertical extents (a\'s bottom at or above b\'s top); higher/lower also when higher at both bottom and top; front/behind and closer/farther by distance from the camera to the centres; bigger/smaller by volume; wider/thinner by the longer side of the footprint. clear is false when it is too close to call.',
      parameters: {
        type: 'object',
        properties: { relation: { type: 'string', enum: Object.keys(RELATIONS) }, a: OBJECT_REF, b: OBJECT_REF },
        required: ['relation', 'a', 'b'],
        additionalProperties: false,
      },
    },
  },
];

const SYSTEM_PROMPT =
  'You answer spatial questions about one photographed scene. You cannot see the image; use the tools, which measure the ' +
  "scene's 3D objects in metres. Call list_objects first to learn the object ids, then measure what the question needs, " +
  'then answer in one or two sentences, naming objects as list_objects names them and giving lengths with units.';

const round = (metres: number) => Math.round(metres * 1000) / 1000;

class ToolError extends Error {}

function objectArg(scene: SceneGraph, value: unknown, field: string): SceneObject {
  if (typeof value !== 'string') throw new ToolError(`${field} must be an object id or name`);
  const object = resolveObject(value, scene);
  if (!object) throw new ToolError(`no single object matches ${field} = ${JSON.stringify(value)}; call list_objects for the ids`);
  return object;
}

/**
 * Runs one tool call on the scene. Returns the JSON result for the model and the reasoning steps it
 * adds (facts in metres, clock hours or booleans); a bad argument gives `{ error }` to the model.
 */
export function runSceneTool(scene: SceneGraph, name: string, args: Record<string, unknown>, units: Units = 'metric'): { result: unknown; steps: ReasoningStep[] } {
  const length = (m: number) => formatLength(m, units);
  const stepOf = (text: string, predicate: string, objects: SceneObject[], value: Fact['value']): ReasoningStep => ({
    text: text.replace(/^[a-z]/, (c) => c.toUpperCase()),
    fact: { predicate, objects: objects.map((o) => o.id), value },
  });
  try {
    switch (name) {
      case 'list_objects': {
        const aliases = referringNames(scene);
        const objects = scene.objects.map((o) => ({ id: o.id, name: o.name, names: aliases.get(o.id), label: o.label, colour: o.colour, centre: o.centre.map(round), size: o.size.map(round) }));
        return { result: { objects }, steps: [stepOf(`The scene holds ${scene.objects.map((o) => o.name).join(', ')}.`, 'list_objects', scene.objects, scene.objects.map((o) => o.id))] };
      }
      case 'distance': {
        const a = objectArg(scene, args.a, 'a');
        if (args.b === 'camera') {
          const metres = cameraDistance(a, scene.camera.position);
          return { result: { metres: round(metres) }, steps: [stepOf(`The centre of ${a.name} is ${length(metres)} from the camera.`, 'distance_camera', [a], metres)] };
        }
        const b = objectArg(scene, args.b, 'b');
        const kind = (args.kind ?? 'centre') as string;
        const measure = { centre: centreDistance, gap: gapDistance, horizontal: horizontalDistance, vertical: verticalDistance }[kind];
        if (!measure) throw new ToolError(`kind must be centre, gap, horizontal or vertical, not ${JSON.stringify(kind)}`);
        if ((kind === 'vertical' || kind === 'horizontal') && !scene.canonical) throw new ToolError(`${kind} distances need gravity, and this scene has no support plane`);
        const metres = measure(a, b);
        const predicate = { centre: 'distance_centre', gap: 'distance_gap', horizontal: 'distance_horizontal', vertical: 'distance_vertical' }[kind]!;
        const phrase = kind === 'centre' ? 'centre-to-centre ' : kind === 'gap' ? 'closest-point ' : `${kind} `;
        return { result: { metres: round(metres), kind }, steps: [stepOf(`The ${phrase}distance between ${a.name} and ${b.name} is ${length(metres)}.`, predicate, [a, b], metres)] };
      }
      case 'direction': {
        const from = objectArg(scene, args.from, 'from');
        const to = objectArg(scene, args.to, 'to');
        if (!scene.canonical) throw new ToolError('clock directions need gravity, and this scene has no support plane');
        const hour = clockHour(from, to);
        return { result: { clock_hour: hour }, steps: [stepOf(`From ${from.name}, ${to.name} is at ${hour} o'clock.`, 'direction_clock', [from, to], hour)] };
      }
      case 'size': {
        const o = objectArg(scene, args.object, 'object');
        const result = { width: round(widthOf(o)), depth: round(depthOf(o)), height: round(heightOf(o)), extents_sorted: sortedDimensions(o).map(round) };
        return {
          result,
          steps: [
            stepOf(`${o.name} is ${length(widthOf(o))} wide at its widest.`, 'size_width', [o], widthOf(o)),
            stepOf(`${o.name} is ${length(depthOf(o))} deep along the shorter side of its footprint.`, 'size_depth', [o], depthOf(o)),
            stepOf(`${o.name} is ${length(heightOf(o))} tall.`, 'size_height', [o], heightOf(o)),
          ],
        };
      }
      case 'compare': {
        const relation = args.relation as RelationName;
        if (!(relation in RELATIONS)) throw new ToolError(`relation must be one of ${Object.keys(RELATIONS).join(', ')}`);
        const a = objectArg(scene, args.a, 'a');
        const b = objectArg(scene, args.b, 'b');
        const camera = scene.camera.position;
        const holds = relationHolds(relation, prepareItem(a, 0, camera), prepareItem(b, 1, camera), DEFAULT_MARGINS);
        const words = relation.replace(/_/g, ' ');
        if (holds === undefined) return { result: { holds: false, clear: false }, steps: [stepOf(`It is too close to call whether ${a.name} is ${words} ${b.name}.`, relation, [a, b], false)] };
        return { result: { holds, clear: true }, steps: [stepOf(`${a.name} is ${holds ? '' : 'not '}${words} ${b.name}.`, relation, [a, b], holds)] };
      }
      default:
        throw new ToolError(`unknown tool ${name}; the tools are ${SCENE_TOOLS.map((t) => t.function.name).join(', ')}`);
    }
  } catch (err) {
    if (err instanceof ToolError) return { result: { error: err.message }, steps: [] };
    throw err;
  }
}

/** Reads a model's answer into a fact, for questions the catalog knows, naming each object as the question did. */
function factFromAnswer(scene: SceneGraph, question: string, parsed: ParsedQuestion, answer: string): Fact | undefined {
  const spec = questionType(parsed.type);
  const ids = parsed.objects.map((o) => o.id);
  const aliases = referringNames(scene);
  const asked = question.toLowerCase();
  const nameIn = (o: SceneObject) => aliases.get(o.id)?.find((name) => asked.includes(name.toLowerCase())) ?? o.name;
  const names = (objects: SceneObject[]) => Object.fromEntries(objects.map((o) => [o.id, nameIn(o)]));
  let value: Fact['value'] | undefined;
  switch (spec.valueKind) {
    case 'boolean':
      value = parseYesNo(answer);
      break;
    case 'object':
      value = matchChoice(answer, names(spec.arity === 'set' ? parsed.objects.slice(1) : parsed.objects));
      break;
    case 'order':
      value = parseOrder(answer, names(parsed.objects));
      break;
    case 'clock':
      value = parseClockHour(answer);
      break;
    case 'length':
      value = parseLength(answer)?.metres;
      break;
  }
  return value === undefined ? undefined : { predicate: parsed.type, objects: ids, value };
}

async function reasonWithLlm(scene: SceneGraph, question: string, llm: LlmConfig, units: Units): Promise<ReasonResult> {
  const client = new ChatClient({ endpoint: llm.endpoint, apiKey: llm.apiKey, retries: llm.retries ?? 3, retryBaseMs: llm.retryBaseMs });
  const messages: ChatMessage[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: question },
  ];
  const steps: ReasoningStep[] = [];
  const toolCalls: ToolCallRecord[] = [];
  const maxSteps = llm.maxSteps ?? 8;
  let answer: string | undefined;
  for (let round = 0; round <= maxSteps && answer === undefined; round++) {
    const lastRound = round === maxSteps;
    const response = await client.complete({
      model: llm.model,
      messages,
      tools: SCENE_TOOLS,
      // Out of steps: the model must answer from what it has.
      tool_choice: lastRound ? 'none' : 'auto',
      temperature: 0,
    });
    const message = response.choices[0].message;
    const calls = lastRound ? [] : message.tool_calls ?? [];
    if (calls.length === 0) {
      answer = replyText(response).trim();
      break;
    }
    messages.push({ role: 'assistant', content: message.content ?? null, tool_calls: calls });
    for (const call of calls) {
      let args: Record<string, unknown>;
      try {
        args = call.function.arguments ? (JSON.parse(call.function.arguments) as Record<string, unknown>) : {};
      } catch {
        args = {};
      }
      const { result, steps: added } = runSceneTool(scene, call.function.name, args, units);
      steps.push(...added);
      toolCalls.push({ name: call.function.name, arguments: args, result });
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  const parsed = parseQuestion(question, scene);
  const fact = parsed && answer ? factFromAnswer(scene, question, parsed, answer) : undefined;
  return { answer: answer ?? '', steps, ...(fact ? { fact } : {}), ...(parsed ? { type: parsed.type } : {}), planner: 'llm', toolCalls };
}

/** Answers a spatial question about a scene graph; see the file comment. */
export async function reason(scene: SceneGraph, question: string, options: ReasonOptions = {}): Promise<ReasonResult> {
  if (!question.trim()) throw new InputError('the question is empty', 'reason-empty-question', undefined, 'question');
  const units = options.units ?? 'metric';
  if (options.llm) return reasonWithLlm(scene, question, options.llm, units);
  const parsed = parseQuestion(question, scene);
  if (!parsed) {
    throw new InputError(
      `the built-in planner cannot read "${question}" against objects ${scene.objects.map((o) => o.name).join(', ')}: ` +
        'ask a catalog question (closest to / farthest from A, sort by distance from the camera, equilateral or right triangle, ' +
        'fits on / under / inside, and the two-object questions) naming objects as the scene names them, or configure LLM_ENDPOINT and LLM_MODEL',
      'reason-unsupported-question',
      undefined,
      'question',
    );
  }
  const planned = planAnswer(scene, parsed, units);
  return { ...planned, type: parsed.type, planner: 'builtin' };
}

/** The body of `POST /v1/reason`: a scene graph (a processed sample) or a loaded frame, and a question. */
export interface ReasonRequest {
  scene?: SceneGraph;
  frame?: Frame;
  question: string;
  units?: Units;
}

/**
 * What the service mounts at `POST /v1/reason`: lifts the frame when given one (with `lift`, e.g.
 * @spatialforge/scene's liftFrame), then answers with the configured model or the built-in planner.
 * Bad input throws InputError (a 400 naming the field).
 */
export async function handleReasonRequest(
  request: ReasonRequest,
  options: { llm?: LlmConfig; lift?: (frame: Frame) => SceneGraph } = {},
): Promise<Pick<ReasonResult, 'answer' | 'steps' | 'fact' | 'type' | 'planner' | 'toolCalls'>> {
  if (typeof request.question !== 'string') throw new InputError('question must be a string', 'reason-bad-request', undefined, 'question');
  let scene = request.scene;
  if (!scene && request.frame) {
    if (!options.lift) throw new InputError('this server takes scene graphs only (no lift function configured)', 'reason-bad-request', undefined, 'frame');
    scene = options.lift(request.frame);
  }
  if (!scene || !Array.isArray(scene.objects)) throw new InputError('send a scene graph (scene) or a frame', 'reason-bad-request', undefined, 'scene');
  return reason(scene, request.question, { llm: options.llm, units: request.units });
}
