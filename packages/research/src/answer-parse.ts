/**
 * Reading free-text answers the way people and VLMs write them: lengths with units ("1.5m", "150 cm",
 * "about 5 feet", "5'6\"", "one and a half meters", "half a meter"), yes/no ("Yes, it is", "No."),
 * a chosen object ("The red chair is closer.") and clock directions ("at 2 o'clock"). Pure functions,
 * no I/O: the scorer and the rephrase check both use them.
 */

export type LengthUnit = 'm' | 'cm' | 'mm' | 'km' | 'in' | 'ft' | 'yd';

/** Metres per unit. */
export const METRES_PER_UNIT: Record<LengthUnit, number> = {
  m: 1,
  cm: 0.01,
  mm: 0.001,
  km: 1000,
  in: 0.0254,
  ft: 0.3048,
  yd: 0.9144,
};

export interface ParsedLength {
  /** The value in metres. */
  metres: number;
  /** The value as written, in `unit`. */
  value: number;
  /** The unit as written, or the default unit when the text gave a bare number. */
  unit: LengthUnit;
  /** False when the text gave a bare number and `unit` is the default. */
  unitGiven: boolean;
}

const UNIT_WORDS: [RegExp, LengthUnit][] = [
  [/^(?:m|meters?|metres?|mtrs?)$/, 'm'],
  [/^(?:cm|cms|centimeters?|centimetres?)$/, 'cm'],
  [/^(?:mm|millimeters?|millimetres?)$/, 'mm'],
  [/^(?:km|kilometers?|kilometres?)$/, 'km'],
  [/^(?:in|inch|inches|")$/, 'in'],
  [/^(?:ft|feet|foot|')$/, 'ft'],
  [/^(?:yd|yds|yards?)$/, 'yd'],
];

const UNIT_ALTERNATIVES = `meters?|metres?|mtrs?|m|centimeters?|centimetres?|cms?|millimeters?|millimetres?|mm|kilometers?|kilometres?|km|inches|inch|in|feet|foot|ft|yards?|yds?|"|'`;
const UNIT_PATTERN = `(?:${UNIT_ALTERNATIVES})`;

function unitOf(word: string): LengthUnit | undefined {
  for (const [pattern, unit] of UNIT_WORDS) if (pattern.test(word)) return unit;
  return undefined;
}

const SMALL_NUMBERS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
  eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};

/**
 * Lower-cases, unifies quote marks and turns number words into digits: "one and a half" → "1.5",
 * "half a meter" → "0.5 meter", "a foot" → "1 foot", "twenty-five" → "25", "1 1/2" → "1.5".
 */
export function normaliseAnswer(text: string): string {
  let s = text
    .toLowerCase()
    .replace(/[\u2018\u2019\u2032]/g, "'")
    .replace(/[\u201c\u201d\u2033]|''/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/\s+/g, ' ');
  s = wordsToDigits(s);
  // "a meter and a half" / "1 meter and a half" → "1.5 meter".
  s = s.replace(new RegExp(`\\b(?:a|an|(\\d+(?:\\.\\d+)?))\\s+(${UNIT_ALTERNATIVES})\\s+and\\s+a\\s+half\\b`, 'g'),
    (_m, n: string | undefined, unit: string) => `${(n ? Number(n) : 1) + 0.5} ${unit}`);
  // "half a meter", "a quarter of a meter".
  s = s.replace(/\bhalf (?:a|an) /g, '0.5 ').replace(/\b(?:a )?quarter (?:of )?(?:a|an) /g, '0.25 ');
  // "1 and a half", "2 and three quarters".
  s = s.replace(/(\d+(?:\.\d+)?) and (?:a half|one half)\b/g, (_m, n: string) => String(Number(n) + 0.5));
  s = s.replace(/(\d+(?:\.\d+)?) and (?:a quarter|one quarter)\b/g, (_m, n: string) => String(Number(n) + 0.25));
  s = s.replace(/(\d+(?:\.\d+)?) and three quarters\b/g, (_m, n: string) => String(Number(n) + 0.75));
  // Mixed and plain fractions: "1 1/2" → 1.5, "3/4" → 0.75.
  s = s.replace(/\b(\d+) (\d+)\/(\d+)\b/g, (_m, w: string, a: string, b: string) => String(Number(w) + Number(a) / Number(b)));
  s = s.replace(/\b(\d+)\/(\d+)\b/g, (_m, a: string, b: string) => String(Number(a) / Number(b)));
  // "3/4 of a meter", "a meter", "an inch", "a couple of feet".
  s = s.replace(/(\d+(?:\.\d+)?) of (?:a|an) /g, '$1 ').replace(/\ba couple of /g, '2 ');
  s = s.replace(new RegExp(`\\b(?:a|an) (?=(?:meter|metre|foot|feet|inch|yard|centimeter|centimetre|millimeter|millimetre)s?\\b)`, 'g'), '1 ');
  // Thousands separators ("1,200 mm") versus decimal commas ("1,5 m").
  s = s.replace(/(\d),(\d{3})(?!\d)/g, '$1$2').replace(/(\d),(\d)/g, '$1.$2');
  return s;
}

const NUMBER_WORD = `(?:${[...Object.keys(SMALL_NUMBERS), ...Object.keys(TENS)].join('|')})`;
/** A run of number words: "twenty-five", "one hundred and ten", "a hundred". */
const NUMBER_WORD_RUN = new RegExp(
  `\\b(?:${NUMBER_WORD}|a hundred)(?:(?:\\s+|-)(?:${NUMBER_WORD}|hundred|thousand)|(?<=hundred|thousand)\\s+and\\s+${NUMBER_WORD})*\\b`,
  'g',
);

/** Replaces runs of number words with digits; a lone "one" only when a unit or a fraction follows. */
function wordsToDigits(s: string): string {
  return s
    .replace(NUMBER_WORD_RUN, (run, offset: number) => {
      if (run === 'one' && !/^\s*(?:and\b|point\b|o'?\s*clock|meter|metre|foot|feet|inch|yard|centimet|millimet|cm\b|mm\b|m\b|ft\b)/.test(s.slice(offset + run.length))) {
        return run;
      }
      return String(valueOfNumberWords(run));
    })
    .replace(/(\d+) point (\d+)/g, '$1.$2');
}

function valueOfNumberWords(run: string): number {
  let total = 0;
  let current = 0;
  for (const word of run.split(/[\s-]+/)) {
    if (word in SMALL_NUMBERS) current += SMALL_NUMBERS[word];
    else if (word in TENS) current += TENS[word];
    else if (word === 'hundred') current = (current || 1) * 100;
    else if (word === 'thousand') {
      total += (current || 1) * 1000;
      current = 0;
    }
  }
  return total + current;
}

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;

/**
 * The first length in the text, in metres. Ranges ("1-2 m", "between 1 and 2 meters") give their
 * midpoint; feet and inches combine ("5'6\"", "5 ft 6 in"). A bare number is read in `defaultUnit`
 * (metres unless told), with `unitGiven: false`. Undefined when the text holds no number at all.
 */
export function parseLength(text: string, defaultUnit: LengthUnit = 'm'): ParsedLength | undefined {
  const s = normaliseAnswer(text);
  const feetInches = new RegExp(`${NUMBER}\\s*(?:'|ft\\b|feet\\b|foot\\b)\\s*(?:,|and)?\\s*${NUMBER}\\s*(?:"|in\\b|inch\\b|inches\\b)`).exec(s);
  const candidates: { index: number; parsed: ParsedLength }[] = [];
  if (feetInches) {
    const feet = Number(feetInches[1]) + Number(feetInches[2]) / 12;
    candidates.push({ index: feetInches.index, parsed: { metres: feet * METRES_PER_UNIT.ft, value: feet, unit: 'ft', unitGiven: true } });
  }
  const quantity = new RegExp(
    `(?:between\\s+${NUMBER}\\s*(${UNIT_PATTERN})?\\s+and\\s+${NUMBER}|${NUMBER}(?:\\s*(${UNIT_PATTERN})?\\s*(?:-|to)\\s*${NUMBER})?)\\s*(${UNIT_PATTERN}(?![a-z]))?`,
    'g',
  );
  for (const m of s.matchAll(quantity)) {
    const index = m.index ?? 0;
    // Skip digits glued to letters ("3d", "o1") and clock readings.
    if (index > 0 && /[a-z]/.test(s[index - 1])) continue;
    if (/^\s*(?::\d\d|o'?\s*clock)/.test(s.slice(index + m[0].length)) || /o'?\s*clock/.test(m[0])) continue;
    const low = Number(m[1] ?? m[4]);
    const high = m[3] ?? m[6];
    const firstUnit = m[2] ?? m[5];
    const value = high === undefined ? low : (low + Number(high)) / 2;
    const unitWord = m[7] ?? firstUnit;
    const unit = unitWord ? unitOf(unitWord.trim()) : undefined;
    candidates.push({
      index,
      parsed: { metres: value * METRES_PER_UNIT[unit ?? defaultUnit], value, unit: unit ?? defaultUnit, unitGiven: unit !== undefined },
    });
  }
  candidates.sort((a, b) => a.index - b.index);
  // Prefer the first number with a unit; "table 2 is 1.5 m away" reads 1.5 m.
  return (candidates.find((c) => c.parsed.unitGiven) ?? candidates[0])?.parsed;
}

/** True when the text holds any number (digits or number words). */
export function containsNumber(text: string): boolean {
  return /\d/.test(normaliseAnswer(text));
}

const YES_WORDS = /\b(?:yes|yeah|yep|yup|correct|true|indeed|affirmative|certainly|absolutely|definitely)\b/;
const NO_WORDS = /\b(?:no|nope|nah|not|false|incorrect|negative|never)\b|n't\b/;

/** Yes or no, from the first affirmative or negative word; undefined when there is neither. */
export function parseYesNo(text: string): boolean | undefined {
  const s = normaliseAnswer(text);
  const yes = YES_WORDS.exec(s);
  const no = NO_WORDS.exec(s);
  if (!yes && !no) return undefined;
  if (yes && (!no || yes.index < no.index)) return true;
  return false;
}

/** A clock position 1–12 ("at 2 o'clock", "two o'clock", "the 11:00 direction"); undefined when absent. */
export function parseClockHour(text: string): number | undefined {
  const s = normaliseAnswer(text);
  const m = /\b(\d{1,2})(?::00)?\s*(?:o'?\s*clock|:00\b)/.exec(s) ?? /\b(\d{1,2}):00\b/.exec(s);
  if (!m) return undefined;
  const hour = Number(m[1]);
  if (hour < 0 || hour > 12) return undefined;
  return hour === 0 ? 12 : hour;
}

/** Hours between two clock positions on the dial (0–6), wrapping 12 → 1. */
export function clockDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 12;
  return Math.min(d, 12 - d);
}

const STOP_WORDS = new Set(['the', 'a', 'an', 'one', 'object']);

function nameTokens(name: string): string[] {
  return normaliseAnswer(name).split(/[^a-z0-9]+/).filter((t) => t && !STOP_WORDS.has(t));
}

function wordPositions(text: string): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  normaliseAnswer(text)
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .forEach((word, i) => {
      const singular = word.replace(/(?<=[a-z]{3})s$/, '');
      for (const w of new Set([word, singular])) positions.set(w, [...(positions.get(w) ?? []), i]);
    });
  return positions;
}

/**
 * Which of the named candidates the answer picks. A candidate is mentioned when every word of its
 * name (less "the") appears; a name whose words are all part of another mentioned name ("the chair"
 * inside "the red chair") does not count on its own. The verdict is read from the last sentence that
 * mentions a candidate (a chain of thought ends with its conclusion), and within it the first
 * mentioned wins ("The table is closer than the lamp" → the table). Undefined when none is mentioned.
 */
export function matchChoice(text: string, candidates: Record<string, string>): string | undefined {
  const sentences = text.split(/(?<=[.!?;])\s+|\n+/);
  for (let i = sentences.length - 1; i >= 0; i--) {
    const choice = firstMentioned(sentences[i], candidates);
    if (choice !== undefined) return choice;
  }
  return undefined;
}

function firstMentioned(text: string, candidates: Record<string, string>): string | undefined {
  const positions = wordPositions(text);
  const mentioned: { id: string; tokens: string[]; first: number }[] = [];
  for (const [id, name] of Object.entries(candidates)) {
    const tokens = nameTokens(name);
    const found = tokens.map((t) => positions.get(t));
    if (tokens.length === 0 || found.some((p) => p === undefined)) continue;
    mentioned.push({ id, tokens, first: Math.min(...found.map((p) => p![0])) });
  }
  const standalone = mentioned.filter(
    (m) => !mentioned.some((other) => other.tokens.length > m.tokens.length && m.tokens.every((t) => other.tokens.includes(t))),
  );
  return standalone.sort((a, b) => a.first - b.first)[0]?.id;
}

/**
 * The order in which the answer names the candidates ("the lamp, then the chair, then the table"),
 * placing each name by the first word that tells it from the others. Undefined unless every
 * candidate is mentioned.
 */
export function parseOrder(text: string, candidates: Record<string, string>): string[] | undefined {
  const positions = wordPositions(text);
  const tokensById = Object.entries(candidates).map(([id, name]) => ({ id, tokens: nameTokens(name) }));
  const placed: { id: string; at: number }[] = [];
  for (const { id, tokens } of tokensById) {
    if (tokens.length === 0 || tokens.some((t) => !positions.has(t))) return undefined;
    const shared = new Set(tokensById.filter((o) => o.id !== id).flatMap((o) => o.tokens));
    const distinctive = tokens.filter((t) => !shared.has(t));
    placed.push({ id, at: Math.min(...(distinctive.length ? distinctive : tokens).map((t) => positions.get(t)![0])) });
  }
  return placed.sort((a, b) => a.at - b.at).map((p) => p.id);
}
