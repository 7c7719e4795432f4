// replaced by the mutation helper's implementation at merge
import type { JsonPatchOperation, MutationOptions, RegistryAccess } from './types.js';

export async function mutationPatch(
  object: unknown,
  options: MutationOptions,
  context: { signal?: AbortSignal; registries: RegistryAccess },
): Promise<{ patch: JsonPatchOperation[]; warnings: string[] }> {
  void object;
  void options;
  void context;
  return { patch: [], warnings: [] };
}
