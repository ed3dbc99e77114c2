/** The tokens file: every problem reported with where it is, in words that say what to fix. */
import { describe, expect, it } from 'vitest';
import { parseTokens } from '../../src/control/identities.js';

const TOKEN = 'a-token-of-twenty-chars';

describe('tokens file', () => {
  it('takes a valid list', () => {
    expect(parseTokens([{ token: TOKEN, id: 'ana', role: 'human' }])).toEqual({ ok: true, tokens: [{ token: TOKEN, id: 'ana', role: 'human' }] });
  });

  it('reports each problem at its path: a missing field as required, a short token, an agent without a model', () => {
    const r = parseTokens(
      [
        { token: TOKEN, role: 'human' },
        { token: 'short', id: 'bot', role: 'agent', model: 'm' },
        { token: `${TOKEN}-2`, id: 'fixer', role: 'agent' },
      ],
      'tokens.json',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('tokens.json: 0.id: required (string)');
    expect(r.errors).toContain('tokens.json: 1.token: must be at least 16 characters');
    expect(r.errors).toContain('tokens.json: 2.model: an agent token must bind a model');
  });

  it('reports a token given twice', () => {
    expect(parseTokens([{ token: TOKEN, id: 'ana', role: 'human' }, { token: TOKEN, id: 'bo', role: 'human' }], 'tokens.json')).toEqual({ ok: false, errors: ['tokens.json: 1.token: this token is given twice'] });
  });
});
