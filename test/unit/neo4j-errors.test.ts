import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/store/graph-store.js';
import { mapDriverError, StoreAuthError, StoreConfigError, StoreQueryError } from '../../src/store/neo4j/errors.js';

const driverError = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });

describe('mapDriverError', () => {
  it('turns lost connections and exhausted transient retries into StoreUnavailableError', () => {
    for (const code of ['ServiceUnavailable', 'SessionExpired', 'Neo.TransientError.Transaction.DeadlockDetected']) {
      const e = mapDriverError(driverError(code));
      expect(e).toBeInstanceOf(StoreUnavailableError);
      expect((e as Error).message).toContain(code);
    }
  });

  it('names bad credentials, a missing database and a rejected query as such', () => {
    expect(mapDriverError(driverError('Neo.ClientError.Security.Unauthorized'))).toBeInstanceOf(StoreAuthError);
    expect(mapDriverError(driverError('Neo.ClientError.Database.DatabaseNotFound'))).toBeInstanceOf(StoreConfigError);
    expect(mapDriverError(driverError('Neo.ClientError.Statement.SyntaxError'))).toBeInstanceOf(StoreQueryError);
  });

  it('leaves errors that are not from the driver alone', () => {
    const bug = new TypeError('undefined is not a function');
    expect(mapDriverError(bug)).toBe(bug);
  });
});
