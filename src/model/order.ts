/** Plain code-unit order of ids, for sorts that must not depend on locale or read order. */
export const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
