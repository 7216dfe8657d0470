// What changed between two versions of a series: their patches paired (same
// git patch-id, else same title, else same position) and each pair's
// interdiff. A version can hold up to 1,000 patches of up to 4M characters
// each, so the page compares patches only while a budget of text lasts; the
// rest are paired and linked but not compared.
import type { InterdiffPairView, InterdiffPatchView } from "../types";
import { interdiff, matchPatches } from "./interdiff";
import { patchId } from "./patch-id";
import { parsePatchSubject } from "./subject";

export interface VersionPatch {
  counter: number;
  mid: string;
  subject: string;
  bodyText: string;
}

/** Characters of patch text read per comparison page: patch-ids and interdiffs together. */
export const VERSION_DIFF_BUDGET_CHARS = 16 * 1024 * 1024;

export function compareVersions(olds: readonly VersionPatch[], news: readonly VersionPatch[]): { pairs: InterdiffPairView[]; capped: boolean } {
  let budget = VERSION_DIFF_BUDGET_CHARS;
  let capped = false;
  const ids = new Map<VersionPatch, string | null>();
  // Patch-ids are read first for every patch that fits, so a big early patch
  // cannot keep later ones from being matched.
  for (const patch of [...olds, ...news]) {
    if (patch.bodyText.length > budget) {
      ids.set(patch, null);
      capped = true;
      continue;
    }
    budget -= patch.bodyText.length;
    ids.set(patch, patchId(patch.bodyText));
  }
  const matched = matchPatches(olds, news, (p) => ({ patchId: ids.get(p) ?? null, title: parsePatchSubject(p.subject).normalizedTitle }));
  const pairs = matched.map((pair): InterdiffPairView => {
    let diff: InterdiffPairView["diff"] = null;
    if (pair.old !== null && pair.new !== null) {
      const cost = pair.old.bodyText.length + pair.new.bodyText.length;
      if (cost <= budget) {
        budget -= cost;
        diff = interdiff(pair.old.bodyText, pair.new.bodyText);
      } else {
        capped = true;
      }
    }
    return { old: view(pair.old), new: view(pair.new), how: pair.how, diff };
  });
  return { pairs, capped };
}

function view(patch: VersionPatch | null): InterdiffPatchView | null {
  return patch === null ? null : { counter: patch.counter, mid: patch.mid, subject: patch.subject };
}
