/** Keeps config/README.md's field reference true to the code it documents. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { LIMIT_FIELDS, LIMIT_RULES } from '../../src/config/limits.js';
import { TIMER_MS_MAX, TIMING_FIELDS, TIMING_PRESET_NAMES, TIMING_RULES } from '../../src/config/timing.js';
import { DEFAULT_LIMITS, TIMING_PRESETS } from '../../src/config/types.js';
import { CONFIG_FIELDS, DEFAULT_CLUSTER_ID, DEFAULT_LOG_LEVEL, LOG_LEVELS } from '../../src/config/validate.js';

const readme = readFileSync(new URL('../../config/README.md', import.meta.url), 'utf8');

/** The table row documenting `field` (the first row whose first cell names it). */
function row(field: string): string {
  const line = readme.split('\n').find((l) => l.startsWith(`| \`${field}\` |`));
  if (line === undefined) throw new Error(`README has no row for ${field}`);
  return line;
}

describe('config/README.md', () => {
  test('documents every top-level field and its defaults', () => {
    for (const field of CONFIG_FIELDS) row(field);
    expect(row('clusterId')).toContain(`"${DEFAULT_CLUSTER_ID}"`);
    expect(row('logLevel')).toContain(`"${DEFAULT_LOG_LEVEL}"`);
    for (const level of LOG_LEVELS) expect(row('logLevel')).toContain(`\`${level}\``);
  });

  test('documents every timing field with its value in each preset', () => {
    expect(TIMING_PRESET_NAMES).toEqual(['fast', 'debug', 'demo']);
    for (const field of TIMING_FIELDS) {
      const values = TIMING_PRESET_NAMES.map((preset) => TIMING_PRESETS[preset][field]);
      expect(row(field)).toMatch(new RegExp(`^\\| \`${field}\` \\| ${values.join(' \\| ')} \\|`));
    }
    expect(readme).toContain(`1 to ${TIMER_MS_MAX}`);
  });

  test('documents every limit with its default', () => {
    for (const field of LIMIT_FIELDS) {
      expect(row(field)).toMatch(new RegExp(`^\\| \`${field}\` \\| ${DEFAULT_LIMITS[field]} \\|`));
    }
  });

  test('states every relation rule on the row of the field it constrains', () => {
    for (const rule of [...TIMING_RULES, ...LIMIT_RULES]) {
      const expected = rule.uses.length === 0 ? `${rule.op} ${rule.bound(DEFAULT_LIMITS as never)}` : `${rule.op} `;
      expect(row(rule.field)).toContain(expected);
    }
  });
});
