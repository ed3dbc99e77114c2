export async function runPetShop(): Promise<{ markdown: string; json: unknown } | null> {
  return Promise.resolve(null);
}
