/**
 * `gitfed enable` and `gitfed disable` as pure planners: from the repository's files and model, the one file
 * change to make (write, edit in place, delete) or why there is none. The CLI performs it.
 *
 * enable TYPE: a FederatedTypeConfig `types/<name>.yaml` with propagation Enabled (KubeFed's enable, spec §1.1).
 *   Refused when the repository already enables that type (same name, target or federated type); a disabled one is
 *   switched back to Enabled in place; a default type needs no file unless its federated group/version change.
 * disable TYPE: propagation Disabled, edited in place, or a new `types/<name>.yaml` when the repository has no
 *   FederatedTypeConfig for it (a default type, or one inferred from templates). The renderer then skips the
 *   type's objects with a TypeDisabled warning, and apply neither applies nor prunes them.
 * disable TYPE --delete: removes the repository's FederatedTypeConfig instead; refused for a default type (that
 *   would enable it again) and while federated objects of the type remain (they would render again through their
 *   template's apiVersion), as KubeFed's `disable --delete-crd` refused while instances existed.
 */
import { stringify } from 'yaml';
import { GitfedError } from '../model/diagnostic.ts';
import { federatedScopeOf, pluralName, typeConfigName } from '../model/default-type-configs.ts';
import { resourceId } from '../model/identity.ts';
import type { Scope, TargetType, TypeConfig } from '../model/types.ts';
import type { FileChange, RepoView } from './file-change.ts';
import { removeYamlDocument, setYamlValue } from './edit-yaml-text.ts';
import { findDocuments, metadataOf } from './find-documents.ts';
import { defaultTypeConfig, findKnownTargetType, nameMatchesResource, typeConfigDocument, typeConfigForTarget } from './target-types.ts';

export interface TypeRequest {
  /** A kind, plural, short name or `plural.group`; or undefined when `target` is given. */
  name?: string | undefined;
  /** `--target-group/--target-version/--target-kind/--target-plural/--scope`. */
  target?: { group?: string | undefined; version?: string | undefined; kind?: string | undefined; pluralName?: string | undefined; scope?: Scope | undefined };
  federatedGroup?: string | undefined;
  federatedVersion?: string | undefined;
}

/** Where `enable`/`disable` write a new FederatedTypeConfig. */
export function typeConfigPath(name: string): string {
  return `types/${name}.yaml`;
}

export function planEnable(repo: RepoView, request: TypeRequest): FileChange {
  const { existing, target } = resolveType(repo, request);
  const wanted = typeConfigForTarget(target ?? existing!.target, request);
  if (existing?.origin) {
    const at = `${existing.origin.file}:${existing.origin.line}`;
    const changesFederatedType =
      (request.federatedGroup && request.federatedGroup !== existing.federatedGroup) ||
      (request.federatedVersion && request.federatedVersion !== existing.federatedVersion);
    if (changesFederatedType) {
      throw new GitfedError('UsageError', `FederatedTypeConfig ${existing.name} (${at}) already declares federated type ${existing.federatedKind} in ${existing.federatedGroup}/${existing.federatedVersion}; gitfed does not change it (edit the file, or disable --delete it first)`);
    }
    if (existing.propagation === 'Enabled') {
      throw new GitfedError('DuplicateObject', `${existing.name} is already enabled by the FederatedTypeConfig at ${at}`, { file: existing.origin.file, line: existing.origin.line });
    }
    return editPropagation(repo, existing, 'Enabled');
  }
  const builtIn = defaultTypeConfig(wanted.name);
  if (builtIn && builtIn.federatedGroup === wanted.federatedGroup && builtIn.federatedVersion === wanted.federatedVersion) {
    return { action: 'none', message: `${wanted.name} is enabled by default (one of KubeFed's ten default types); nothing to write` };
  }
  const clash = repo.model.typeConfigs.find((type) => type.origin && type.federatedKind === wanted.federatedKind && type.federatedGroup === wanted.federatedGroup);
  if (clash?.origin) {
    throw new GitfedError('DuplicateObject', `federated type ${wanted.federatedKind} (${wanted.federatedGroup}) is already declared by FederatedTypeConfig ${clash.name} at ${clash.origin.file}:${clash.origin.line}; use --federated-group`);
  }
  return writeNew(repo, wanted, 'Enabled', builtIn ? ` (replaces the default ${builtIn.federatedKind} in ${builtIn.federatedGroup}/${builtIn.federatedVersion})` : '');
}

export function planDisable(repo: RepoView, request: TypeRequest & { delete?: boolean }): FileChange {
  const { existing, target } = resolveType(repo, request);
  if (existing?.origin) {
    if (request.delete) return planDelete(repo, existing);
    if (existing.propagation === 'Disabled') {
      return { action: 'none', message: `${existing.name} is already disabled (${existing.origin.file}:${existing.origin.line})` };
    }
    return editPropagation(repo, existing, 'Disabled');
  }
  const type = typeConfigForTarget(target ?? existing!.target, request);
  if (request.delete) return { action: 'none', message: `the repository has no FederatedTypeConfig ${type.name}; nothing to delete` };
  const builtIn = defaultTypeConfig(type.name);
  return writeNew(repo, builtIn && !request.federatedGroup && !request.federatedVersion ? builtIn : type, 'Disabled', '');
}

function planDelete(repo: RepoView, existing: TypeConfig): FileChange {
  const origin = existing.origin!;
  if (defaultTypeConfig(existing.name)) {
    throw new GitfedError('UsageError', `${existing.name} is a default type: deleting its FederatedTypeConfig (${origin.file}:${origin.line}) would enable it again; run disable without --delete`);
  }
  const objects = repo.model.objects.filter((object) => object.type.name === existing.name);
  if (objects.length > 0) {
    const some = objects.slice(0, 3).map((object) => `${resourceId(object)} (${object.origin.file}:${object.origin.line})`);
    throw new GitfedError(
      'UsageError',
      `${objects.length} federated object(s) of ${existing.name} remain in the repository, e.g. ${some.join(', ')}; without the FederatedTypeConfig they would render again from their template's apiVersion. Remove them first, or keep the type disabled`,
    );
  }
  const { file, index } = locateTypeConfig(repo, existing);
  const text = removeYamlDocument(file, repo.files.get(file) ?? '', index);
  if (text === null) return { action: 'delete', file, message: `deleted ${file} (FederatedTypeConfig ${existing.name})`, planned: `would delete ${file} (FederatedTypeConfig ${existing.name})` };
  return { action: 'write', file, text, message: `removed FederatedTypeConfig ${existing.name} from ${file}`, planned: `would remove FederatedTypeConfig ${existing.name} from ${file}` };
}

function editPropagation(repo: RepoView, existing: TypeConfig, propagation: 'Enabled' | 'Disabled'): FileChange {
  const { file, index } = locateTypeConfig(repo, existing);
  const text = setYamlValue(file, repo.files.get(file) ?? '', index, ['spec', 'propagation'], propagation, propagation);
  return { action: 'write', file, text, message: `set propagation: ${propagation} on FederatedTypeConfig ${existing.name} in ${file}`, planned: `would set propagation: ${propagation} on FederatedTypeConfig ${existing.name} in ${file}` };
}

function writeNew(repo: RepoView, type: TypeConfig, propagation: 'Enabled' | 'Disabled', note: string): FileChange {
  const file = typeConfigPath(type.name);
  if (repo.files.has(file)) {
    throw new GitfedError('UsageError', `${file} exists but holds no FederatedTypeConfig ${type.name} gitfed could read; fix or move it first`, { file });
  }
  const header = `# Written by gitfed ${propagation === 'Enabled' ? 'enable' : 'disable'} ${type.name}.\n`;
  const text = header + stringify(typeConfigDocument(type, propagation), { lineWidth: 0 });
  const scope = federatedScopeOf(type) === 'Namespaced' ? 'namespaced' : 'cluster-scoped';
  const what = `${file}: ${type.federatedKind} (${type.federatedGroup}/${type.federatedVersion}, ${scope}) → ${type.target.kind}, propagation ${propagation}${note}`;
  return { action: 'write', file, text, message: `wrote ${what}`, planned: `would write ${what}` };
}

function locateTypeConfig(repo: RepoView, type: TypeConfig): { file: string; index: number } {
  const file = type.origin!.file;
  const { found } = findDocuments(
    new Map([[file, repo.files.get(file) ?? '']]),
    (value) => value.kind === 'FederatedTypeConfig' && metadataOf(value).name === type.name,
  );
  const document = found.find((f) => f.line === type.origin!.line) ?? found[0];
  if (!document) throw new GitfedError('InternalError', `FederatedTypeConfig ${type.name} not found again in ${file}`, { file });
  return { file, index: document.index };
}

/** The repository's FederatedTypeConfig the request names, if any, and the target type it means. */
function resolveType(repo: RepoView, request: TypeRequest): { existing?: TypeConfig; target?: TargetType } {
  const repoTypes = repo.model.typeConfigs.filter((type) => type.origin);
  if (request.target?.kind) {
    if (request.name) throw new GitfedError('UsageError', 'give TYPE or --target-kind, not both');
    const { kind, version, group = '', scope = 'Namespaced' } = request.target;
    if (!version) throw new GitfedError('UsageError', '--target-kind needs --target-version');
    const target: TargetType = { group, version, kind, pluralName: request.target.pluralName || pluralName(kind), scope };
    const existing = repoTypes.find((type) => sameTarget(type.target, target) || type.name === typeConfigName(target.pluralName, group));
    return existing ? { existing, target } : { target };
  }
  const name = request.name;
  if (!name) throw new GitfedError('UsageError', 'give TYPE (a kind, plural or plural.group), or --target-kind and --target-version');
  const byName = repoTypes.find((type) => type.name === name.toLowerCase()) ??
    repoTypes.find((type) => nameMatchesResource(name, { ...type.target, shortNames: [] })) ??
    repoTypes.find((type) => type.federatedKind.toLowerCase() === name.toLowerCase());
  if (byName) return { existing: byName, target: byName.target };
  // `FederatedStatefulSet` names the federated type of a target gitfed knows.
  const known = findKnownTargetType(name) ?? (/^federated./i.test(name) ? findKnownTargetType(name.slice('federated'.length)) : undefined);
  if (known) {
    const target: TargetType = { group: known.group, version: known.version, kind: known.kind, pluralName: known.pluralName, scope: known.scope };
    const existing = repoTypes.find((type) => sameTarget(type.target, target));
    return existing ? { existing, target: existing.target } : { target };
  }
  throw new GitfedError('UsageError', `unknown type "${name}": name a known type (a kind, plural or plural.group, e.g. deployments.apps) or describe it with --target-kind, --target-version, --target-group and --scope`);
}

function sameTarget(a: TargetType, b: TargetType): boolean {
  return a.group === b.group && a.kind === b.kind;
}
