export {
  QUESTION_TYPES, PREDICATE_TYPES, CHOICE_TYPES, QUANTITY_TYPES, REASONING_TYPES, questionType, isQuestionTypeName,
  type QuestionType, type QuestionTypeName, type QuestionTemplates, type ValueKind,
} from './catalog.js';
export * from './facts.js';
export { formatLength, formatClockHour } from './format.js';
export { createRandom, hashSeed, type Random } from './random.js';
export { synthesizeQA, eligibleTypes, fillTemplate, DEFAULT_QUOTA, type SynthesisOptions } from './synthesize.js';
export { sceneFromBoxes, randomBoxScene, type KnownBox, type BoxSceneOptions } from './box-scene.js';
