/**
 * Human-aligned rounding of lengths, the way a person would say them (SpatialVLM's answers).
 *
 * Metric: under 1 m in whole centimetres ("34 centimeters"); 1 m to 10 m with one decimal
 * ("1.2 meters", "5.6 meters"); 10 m and more in whole metres ("12 meters").
 * Imperial: under 3 ft in whole inches ("13 inches"); 3 ft to 10 ft in feet with one decimal
 * ("4.5 feet"); 10 ft and more in whole feet ("18 feet"). Decimal feet rather than feet-and-inches
 * keeps one number per answer, which is what the evaluation's number extraction scores.
 */
import type { Units } from '@spatialforge/core';

const METRES_PER_INCH = 0.0254;
const METRES_PER_FOOT = 0.3048;

/** A length in metres as words, rounded the way a person would say it. */
export function formatLength(metres: number, units: Units): string {
  if (!Number.isFinite(metres)) throw new RangeError(`formatLength: ${metres} is not a finite length in metres`);
  const sign = metres < 0 ? '-' : '';
  const size = Math.abs(metres);
  return sign + (units === 'imperial' ? formatImperial(size) : formatMetric(size));
}

function formatMetric(metres: number): string {
  const centimetres = Math.round(metres * 100);
  if (centimetres === 0) return 'less than 1 centimeter';
  if (centimetres < 100) return countOf(centimetres, 'centimeter', 'centimeters');
  return scaled(metres, 'meter', 'meters');
}

function formatImperial(metres: number): string {
  const inches = Math.round(metres / METRES_PER_INCH);
  if (inches === 0) return 'less than 1 inch';
  if (inches < 36) return countOf(inches, 'inch', 'inches');
  return scaled(metres / METRES_PER_FOOT, 'foot', 'feet');
}

/** One decimal below 10 units, whole units from 10 up ("1.2 meters", "12 meters"). */
function scaled(value: number, one: string, many: string): string {
  const tenths = Math.round(value * 10);
  const rounded = tenths < 100 ? tenths / 10 : Math.round(value);
  return countOf(rounded, one, many);
}

function countOf(value: number, one: string, many: string): string {
  return `${value} ${value === 1 ? one : many}`;
}

/** A clock direction as words: 12 → "12 o'clock". */
export function formatClockHour(hour: number): string {
  return `${hour} o'clock`;
}
