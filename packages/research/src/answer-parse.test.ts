import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clockDistance, containsNumber, matchChoice, parseClockHour, parseLength, parseOrder, parseYesNo } from './answer-parse.js';

function metres(text: string, defaultUnit?: Parameters<typeof parseLength>[1]): number | undefined {
  const parsed = parseLength(text, defaultUnit);
  return parsed === undefined ? undefined : Math.round(parsed.metres * 10000) / 10000;
}

test('lengths written with digits and units', () => {
  assert.equal(metres('1.5m'), 1.5);
  assert.equal(metres('1.5 m'), 1.5);
  assert.equal(metres('150 cm'), 1.5);
  assert.equal(metres('It is roughly 1500 millimeters away.'), 1.5);
  assert.equal(metres('about 5 feet'), 1.524);
  assert.equal(metres('5 ft'), 1.524);
  assert.equal(metres('66 inches'), 1.6764);
  assert.equal(metres('66"'), 1.6764);
  assert.equal(metres(`5'6"`), 1.6764);
  assert.equal(metres('5 feet 6 inches'), 1.6764);
  assert.equal(metres('5 ft, 6 in'), 1.6764);
  assert.equal(metres('2 yards'), 1.8288);
  assert.equal(metres('1,5 m'), 1.5);
  assert.equal(metres('1,200 mm'), 1.2);
  assert.equal(metres('The chair is 0.34 meters from the table.'), 0.34);
  assert.equal(metres('The table is 34 centimetres wide'), 0.34);
});

test('lengths written in words', () => {
  assert.equal(metres('two meters'), 2);
  assert.equal(metres('one and a half meters'), 1.5);
  assert.equal(metres('half a meter'), 0.5);
  assert.equal(metres('a meter and a half'), 1.5);
  assert.equal(metres('a foot'), 0.3048);
  assert.equal(metres('twenty-five centimeters'), 0.25);
  assert.equal(metres('one hundred and ten centimeters'), 1.1);
  assert.equal(metres('one point five metres'), 1.5);
  assert.equal(metres('1 1/2 feet'), 0.4572);
  assert.equal(metres('3/4 of a meter'), 0.75);
  assert.equal(metres('a couple of feet'), 0.6096);
});

test('ranges give their midpoint; bare numbers take the default unit', () => {
  assert.equal(metres('1-2 m'), 1.5);
  assert.equal(metres('between 1 and 2 meters'), 1.5);
  assert.equal(metres('1 to 2 meters'), 1.5);
  assert.equal(metres('3'), 3);
  assert.equal(metres('3', 'ft'), 0.9144);
  assert.equal(parseLength('3')?.unitGiven, false);
  assert.equal(metres('Table 2 is 1.5 m away'), 1.5);
  assert.equal(metres('I cannot tell from the image.'), undefined);
  assert.equal(metres('The one on the left is farther'), undefined);
  assert.equal(containsNumber('about two meters'), true);
  assert.equal(containsNumber('It is far away.'), false);
});

test('yes and no', () => {
  assert.equal(parseYesNo('Yes, it is.'), true);
  assert.equal(parseYesNo('yes'), true);
  assert.equal(parseYesNo('No.'), false);
  assert.equal(parseYesNo("No, it isn't"), false);
  assert.equal(parseYesNo('It is not to the left of the table.'), false);
  assert.equal(parseYesNo("It isn't."), false);
  assert.equal(parseYesNo('Correct, the chair is bigger.'), true);
  assert.equal(parseYesNo('Indeed it is taller'), true);
  assert.equal(parseYesNo('The chair is red.'), undefined);
  assert.equal(parseYesNo('Nobody knows'), undefined);
});

test('clock positions', () => {
  assert.equal(parseClockHour("at 2 o'clock"), 2);
  assert.equal(parseClockHour('The lamp is at two o\u2019clock from the chair.'), 2);
  assert.equal(parseClockHour('around 11 oclock'), 11);
  assert.equal(parseClockHour('in the 12:00 direction'), 12);
  assert.equal(parseClockHour('to the right'), undefined);
  assert.equal(clockDistance(12, 1), 1);
  assert.equal(clockDistance(1, 11), 2);
  assert.equal(clockDistance(3, 9), 6);
  assert.equal(clockDistance(5, 5), 0);
});

test('choices are matched to the object by its name', () => {
  const names = { o1: 'the red chair', o2: 'the table' };
  assert.equal(matchChoice('The red chair is closer.', names), 'o1');
  assert.equal(matchChoice('the table', names), 'o2');
  assert.equal(matchChoice('The red chair is closer than the table.', names), 'o1');
  assert.equal(matchChoice('Neither', names), undefined);
  // A chain of thought: the verdict is in the last sentence that names a candidate.
  assert.equal(matchChoice('The table is 2.1 meters away. The red chair is 85 centimeters away. So the red chair is the closest.', names), 'o1');
  assert.equal(matchChoice('The red chair is 3 m away and the table 1 m away.\nThe table, then.', names), 'o2');
  const twoChairs = { a: 'the left chair', b: 'the right chair' };
  assert.equal(matchChoice('The right chair.', twoChairs), 'b');
  assert.equal(matchChoice('The chair.', twoChairs), undefined);
  const nested = { a: 'the chair', b: 'the red chair' };
  assert.equal(matchChoice('It is the red chair', nested), 'b');
  assert.equal(matchChoice('Chairs', { a: 'the chair', b: 'the lamp' }), 'a');
});

test('orders are read from where each name first appears', () => {
  const names = { a: 'the red chair', b: 'the blue chair', c: 'the lamp' };
  assert.deepEqual(parseOrder('The lamp, then the blue chair, then the red chair.', names), ['c', 'b', 'a']);
  assert.deepEqual(parseOrder('Red chair, blue chair, lamp', names), ['a', 'b', 'c']);
  assert.equal(parseOrder('The lamp then the red chair', names), undefined);
});
