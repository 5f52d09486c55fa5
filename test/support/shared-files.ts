/** Adobe's published files some tests read (specs, reference examples), found through one setting: RTPROFILE_SPECS. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The folder holding `specs/` and `ref/`: `RTPROFILE_SPECS` (relative to the repository root), else `../shared`. */
export const SHARED_ROOT = resolve(REPO_ROOT, process.env.RTPROFILE_SPECS || '../shared');

/** The places inside it that tests read, relative to SHARED_ROOT. */
export const SHARED = {
  refXdm: 'ref/xdm',
  pqlJson: 'ref/xdm/pql-json',
  xdmComponents: 'specs/adobe--xdm/components',
  registryYaml: 'specs/AdobeDocs--experience-platform-apis/static/swagger-specs/schema-registry.yaml',
  catalogYaml: 'specs/AdobeDocs--experience-platform-apis/static/swagger-specs/catalog.yaml',
  postman: 'specs/adobe--experience-platform-postman-samples/apis/experience-platform',
  profileYaml: 'specs/AdobeDocs--experience-platform-apis/static/swagger-specs/profile.yaml',
  segmentationYaml: 'specs/AdobeDocs--experience-platform-apis/static/swagger-specs/segmentation.yaml',
  /** The 2022 Profile spec, the last to hold the alpha computed attributes API. */
  profileYaml2022: 'specs/AdobeDocs--experience-platform-apis/history/099d4137486421b58fd92fb35bd82a63aa433ec5/src/swagger-specs/profile.yaml',
  /** The 2023 Profile spec, the last to hold the edge projection destinations and configurations API. */
  profileYaml2023: 'specs/AdobeDocs--experience-platform-apis/history/a0a49dd072a27bc2a3468ef07afdc93732a3a412/src/swagger-specs/profile.yaml',
} as const;

/** The absolute path of a file or folder under SHARED_ROOT. */
export function sharedPath(relative: string): string {
  return resolve(SHARED_ROOT, relative);
}

/**
 * Options for `describe`/`it` that skip, with the reason, when a needed file is absent (a fresh clone has none);
 * with RTPROFILE_SPECS_REQUIRED=1 (CI) an absent file throws instead, so the run fails loudly rather than passing short.
 */
export function needsShared(...relatives: string[]): { skip?: string } {
  const missing = relatives.map(sharedPath).filter((path) => !existsSync(path));
  if (missing.length === 0) return {};
  const reason = `Adobe's published files are not at ${missing.join(', ')} (set RTPROFILE_SPECS to the folder holding specs/ and ref/)`;
  if (process.env.RTPROFILE_SPECS_REQUIRED === '1') throw new Error(`RTPROFILE_SPECS_REQUIRED=1: ${reason}`);
  return { skip: reason };
}
