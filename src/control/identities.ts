/**
 * API tokens bound to identities. A token names one identity with one role (agent, human, admin);
 * an agent's token also binds its model and may declare the services and kinds it acts on. Tokens
 * are kept only as SHA-256 digests in memory, and looked up by digest, so that a comparison never
 * leaks how much of a token matched.
 *
 * @example
 * const auth = createAuthenticator(parseTokens([{ token: 's3cret-token-1234', id: 'bot-7', role: 'agent', model: 'claude-x' }]));
 * auth.authenticate('Bearer s3cret-token-1234'); // { ok: true, identity: { id: 'bot-7', role: 'agent', ... } }
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ACTION_KINDS, type Identity, type Role } from './action.js';
import { missingIsRequired } from '../../schema/issues.js';

export const TokenEntry = z
  .object({
    token: z.string().min(16, 'must be at least 16 characters'),
    id: z.string().min(1),
    role: z.enum(['agent', 'human', 'admin']),
    model: z.string().min(1).optional(),
    scope: z.object({ services: z.array(z.string().min(1)).min(1), kinds: z.array(z.enum(ACTION_KINDS)).min(1) }).optional(),
  })
  .strict()
  .refine((t) => t.role !== 'agent' || t.model !== undefined, { message: 'an agent token must bind a model', path: ['model'] });
export type TokenEntry = z.infer<typeof TokenEntry>;

export const TokensFile = z.array(TokenEntry).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((t, i) => {
    if (seen.has(t.token)) ctx.addIssue({ code: 'custom', path: [i, 'token'], message: 'this token is given twice' });
    seen.add(t.token);
  });
});

export type TokensLoad = { ok: true; tokens: TokenEntry[] } | { ok: false; errors: string[] };

export function parseTokens(input: unknown, where = 'tokens'): TokensLoad {
  const r = TokensFile.safeParse(input, { error: missingIsRequired });
  if (r.success) return { ok: true, tokens: r.data };
  return { ok: false, errors: r.error.issues.map((i) => `${where}: ${i.path.map(String).join('.') || '(list)'}: ${i.message}`) };
}

export async function loadTokensFile(path: string): Promise<TokensLoad> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    return { ok: false, errors: [`${path}: ${(e as Error).message}`] };
  }
  return parseTokens(json, path);
}

export type Authentication = { ok: true; identity: Identity } | { ok: false; reason: 'anonymous' | 'invalid-token' };

export interface Authenticator {
  /** From an `Authorization: Bearer <token>` header value (null or empty: anonymous). */
  authenticate(authorization: string | null | undefined): Authentication;
}

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

export function createAuthenticator(tokens: readonly TokenEntry[]): Authenticator {
  const byDigest = new Map<string, Identity>(
    tokens.map((t) => [digest(t.token), { id: t.id, role: t.role, model: t.model ?? null, scope: t.scope ?? null }]),
  );
  return {
    authenticate(authorization) {
      if (authorization === null || authorization === undefined || authorization.trim() === '') return { ok: false, reason: 'anonymous' };
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const identity = m ? byDigest.get(digest(m[1] as string)) : undefined;
      return identity ? { ok: true, identity: structuredClone(identity) } : { ok: false, reason: 'invalid-token' };
    },
  };
}

/** What each role may do; an agent never approves its own action, changes policy or lifts a kill switch. */
export const CAN = {
  propose: (r: Role) => r === 'agent' || r === 'human' || r === 'admin',
  approve: (r: Role) => r === 'agent' || r === 'human' || r === 'admin',
  grant: (r: Role) => r === 'human' || r === 'admin',
  engageKill: (r: Role) => r === 'agent' || r === 'human' || r === 'admin',
  liftKill: (r: Role) => r === 'human' || r === 'admin',
  changePolicy: (r: Role) => r === 'admin',
} as const;
