/**
 * JSON Schemas of the research routes' bodies, for the service to declare (TypeBox `Type.Unsafe`
 * takes them as they are) so validation and the OpenAPI document come from one place. Scene graphs
 * are checked for the fields the tools read; the rest passes through.
 */
const vec3 = { type: 'array', items: { type: 'number' }, minItems: 3, maxItems: 3 } as const;

const sceneObject = {
  type: 'object',
  required: ['id', 'label', 'name', 'colour', 'centre', 'size', 'min', 'max'],
  properties: { id: { type: 'string' }, label: { type: 'string' }, name: { type: 'string' }, colour: { type: 'string' }, centre: vec3, size: vec3, min: vec3, max: vec3 },
} as const;

/** A scene graph as the lift stage writes it (canonical frame, metres). */
export const SCENE_GRAPH_SCHEMA = {
  type: 'object',
  required: ['imageId', 'canonical', 'camera', 'objects'],
  properties: {
    imageId: { type: 'string' },
    canonical: { type: 'boolean' },
    camera: { type: 'object', required: ['position'], properties: { position: vec3 } },
    objects: { type: 'array', items: sceneObject, maxItems: 1000 },
  },
} as const;

const fact = {
  type: 'object',
  required: ['predicate', 'objects', 'value'],
  properties: {
    predicate: { type: 'string' },
    objects: { type: 'array', items: { type: 'string' } },
    value: { anyOf: [{ type: 'number' }, { type: 'boolean' }, { type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  },
} as const;

/** `POST /v1/reason` body (with a scene graph; a service that lifts frames may add `frame`). */
export const REASON_REQUEST_SCHEMA = {
  type: 'object',
  required: ['scene', 'question'],
  properties: {
    scene: SCENE_GRAPH_SCHEMA,
    question: { type: 'string', minLength: 1, maxLength: 2000 },
    units: { type: 'string', enum: ['metric', 'imperial'] },
  },
} as const;

/** `POST /v1/reason` response. */
export const REASON_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['answer', 'steps', 'planner'],
  properties: {
    answer: { type: 'string' },
    steps: { type: 'array', items: { type: 'object', required: ['text', 'fact'], properties: { text: { type: 'string' }, fact } } },
    fact,
    type: { type: 'string' },
    planner: { type: 'string', enum: ['builtin', 'llm'] },
    toolCalls: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, arguments: {}, result: {} } } },
  },
} as const;

/** Options of a reward request: the two phrases, the success threshold (metres) and the smoothing window (frames). */
export const REWARD_OPTIONS_SCHEMA = {
  type: 'object',
  required: ['a', 'b'],
  properties: {
    a: { type: 'string', minLength: 1, maxLength: 200 },
    b: { type: 'string', minLength: 1, maxLength: 200 },
    threshold: { type: 'number', minimum: 0, maximum: 10 },
    window: { type: 'integer', minimum: 1, maximum: 99 },
  },
} as const;
