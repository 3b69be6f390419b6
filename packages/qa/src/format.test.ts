import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLength, formatClockHour } from './format.js';

test('metric lengths are rounded the way people say them', () => {
  const table: [number, string][] = [
    [0.003, 'less than 1 centimeter'],
    [0.01, '1 centimeter'],
    [0.34, '34 centimeters'],
    [0.994, '99 centimeters'],
    [0.996, '1 meter'],
    [1.23, '1.2 meters'],
    [1.0, '1 meter'],
    [5.6, '5.6 meters'],
    [9.94, '9.9 meters'],
    [9.96, '10 meters'],
    [12.3, '12 meters'],
    [123.4, '123 meters'],
  ];
  for (const [metres, words] of table) assert.equal(formatLength(metres, 'metric'), words, `${metres} m`);
});

test('imperial lengths are whole inches under 3 feet, then feet with one decimal, then whole feet', () => {
  const table: [number, string][] = [
    [0.005, 'less than 1 inch'],
    [0.0254, '1 inch'],
    [0.34, '13 inches'],
    [0.9, '35 inches'],
    [0.9144, '3 feet'],
    [1.23, '4 feet'],
    [1.5, '4.9 feet'],
    [0.3048 * 9.94, '9.9 feet'],
    [5.6, '18 feet'],
  ];
  for (const [metres, words] of table) assert.equal(formatLength(metres, 'imperial'), words, `${metres} m`);
});

test('formatLength refuses what is not a length', () => {
  assert.throws(() => formatLength(Number.NaN, 'metric'), RangeError);
  assert.equal(formatLength(-0.34, 'metric'), '-34 centimeters');
});

test('clock hours read as o\'clock', () => {
  assert.equal(formatClockHour(2), "2 o'clock");
});
