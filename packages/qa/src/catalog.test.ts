import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHOICE_TYPES, PREDICATE_TYPES, QUANTITY_TYPES, QUESTION_TYPES, REASONING_TYPES } from './catalog.js';
import { RULES } from './rules.js';

test('the catalog holds DESIGN.md\'s types: 12 predicates, 12 choices, ≥ 10 quantitative, ≥ 5 reasoning', () => {
  assert.equal(PREDICATE_TYPES.length, 12);
  assert.equal(CHOICE_TYPES.length, 12);
  assert.ok(QUANTITY_TYPES.length >= 10);
  assert.ok(REASONING_TYPES.length >= 5);
  const names = QUESTION_TYPES.map((t) => t.type);
  assert.equal(new Set(names).size, names.length, 'type names are unique');
  assert.deepEqual([...names].sort(), [...PREDICATE_TYPES, ...CHOICE_TYPES, ...QUANTITY_TYPES, ...REASONING_TYPES].sort());
  assert.deepEqual(Object.keys(RULES).sort(), [...names].sort(), 'every type has a rule');
  for (const t of QUESTION_TYPES) {
    const expected = (PREDICATE_TYPES as readonly string[]).includes(t.type) || (CHOICE_TYPES as readonly string[]).includes(t.type)
      ? 'qualitative'
      : (QUANTITY_TYPES as readonly string[]).includes(t.type) ? 'quantitative' : 'reasoning';
    assert.equal(t.category, expected, t.type);
  }
});

test('every type has ≥ 5 distinct questions and ≥ 3 distinct answers (yes/no types: ≥ 3 for each truth)', () => {
  for (const { type, valueKind, templates } of QUESTION_TYPES) {
    assert.ok(new Set(templates.questions).size >= 5, `${type}: questions`);
    assert.ok(new Set(templates.answers).size >= 3, `${type}: answers`);
    if (valueKind === 'boolean') assert.ok(new Set(templates.falseAnswers).size >= 3, `${type}: false answers`);
    else assert.equal(templates.falseAnswers, undefined, `${type}: only yes/no types have false answers`);
  }
});

test('templates use only the placeholders their type fills', () => {
  for (const { type, arity, valueKind, category, templates } of QUESTION_TYPES) {
    const allowed = new Set(['A']);
    if (arity === 2 || arity === 3) allowed.add('B');
    if (arity === 3) allowed.add('C');
    if (valueKind === 'object') allowed.add('X');
    if (valueKind === 'object' && category === 'qualitative') allowed.add('Y');
    if (arity === 'set') allowed.add('objects');
    if (valueKind === 'length' || valueKind === 'clock' || valueKind === 'order') allowed.add('value');
    if (category === 'reasoning') allowed.add('steps');
    if (type === 'sort_by_camera_distance') allowed.delete('A');
    for (const template of [...templates.questions, ...templates.answers, ...(templates.falseAnswers ?? [])]) {
      for (const [, name] of template.matchAll(/\{(\w+)\}/g)) assert.ok(allowed.has(name), `${type}: {${name}} in "${template}"`);
      assert.doesNotMatch(template.replace(/\{\w+\}/g, ''), /[{}]/, `${type}: stray brace in "${template}"`);
    }
    if (category === 'reasoning') {
      for (const answer of [...templates.answers, ...(templates.falseAnswers ?? [])]) assert.match(answer, /\{steps\}/, `${type}: reasoning answers show their steps`);
    }
  }
});
