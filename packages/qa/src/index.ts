export {
  QUESTION_TYPES, PREDICATE_TYPES, CHOICE_TYPES, QUANTITY_TYPES, REASONING_TYPES, questionType, isQuestionTypeName,
  type QuestionType, type QuestionTypeName, type QuestionTemplates, type ValueKind,
} from './catalog.js';
export {
  DEFAULT_MARGINS, RESTING_TOLERANCE, EQUILATERAL_TOLERANCE, RIGHT_ANGLE_TOLERANCE_DEGREES, type QAMargins, type Shape,
  centreDistance, gapDistance, horizontalDistance, verticalDistance, cameraDistance, surfaceDistance, clockHour,
  widthOf, depthOf, heightOf, sortedDimensions,
} from './facts.js';
export { affordanceOf, AFFORDANCE_LABELS, type Affordance } from './affordances.js';
export { RELATIONS, relationHolds, prepareItem, TABLE_TOP_THICKNESS, LEG_ALLOWANCE, type RelationName, type Item } from './rules.js';
export { explainQuestion, referringNames, type Explanation } from './explain.js';
export { formatLength, formatClockHour } from './format.js';
export { createRandom, hashSeed, type Random } from './random.js';
export { synthesizeQA, eligibleTypes, fillTemplate, relationFamily, DEFAULT_QUOTA, type SynthesisOptions } from './synthesize.js';
export { sceneFromBoxes, randomBoxScene, type KnownBox, type BoxSceneOptions } from './box-scene.js';
