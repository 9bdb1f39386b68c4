import type { QueryTargetParam } from '../../../shared/contract.ts';

/*
 * The target picker: where a statement runs. All databases, the shards only, the databases chosen, or
 * one website (the console routes to the database its shard_name names and binds the id as $1).
 */

export type TargetKind = QueryTargetParam['kind'];

export interface TargetForm {
  readonly kind: TargetKind;
  /** For `databases`: the names ticked. */
  readonly names: readonly string[];
  /** For `website`: the id as typed. */
  readonly websiteId: string;
}

export const DEFAULT_TARGET_FORM: TargetForm = Object.freeze({ kind: 'all', names: [], websiteId: '' });

export const TARGET_KIND_LABELS: Readonly<Record<TargetKind, string>> = Object.freeze({
  all: 'All databases',
  shards: 'Shards only',
  databases: 'Chosen databases',
  website: 'One website',
});

export type TargetChoice = { readonly target: QueryTargetParam; readonly problem: null } | { readonly target: null; readonly problem: string };

/** The target a form names, or why it names none yet (said beside the Run button). */
export function targetFromForm(form: TargetForm): TargetChoice {
  switch (form.kind) {
    case 'all':
    case 'shards':
      return { target: { kind: form.kind }, problem: null };
    case 'databases':
      if (form.names.length === 0) return { target: null, problem: 'Tick at least one database to run on.' };
      return { target: { kind: 'databases', names: [...form.names] }, problem: null };
    case 'website': {
      const text = form.websiteId.trim();
      const id = /^\d+$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(id) || id < 1) return { target: null, problem: 'Type the website’s id (a positive whole number).' };
      return { target: { kind: 'website', id }, problem: null };
    }
  }
}

/** The form that names a target again (re-opening a saved query or a history entry). */
export function formFromTarget(target: QueryTargetParam | undefined, current: TargetForm = DEFAULT_TARGET_FORM): TargetForm {
  if (target === undefined) return current;
  if (target.kind === 'databases') return { ...current, kind: 'databases', names: [...target.names] };
  if (target.kind === 'website') return { ...current, kind: 'website', websiteId: String(target.id) };
  return { ...current, kind: target.kind };
}

/** A target in a few words, for the history list: "all databases", "shard_1, shard_2", "website 42". */
export function describeTarget(target: QueryTargetParam | undefined): string {
  if (target === undefined) return 'all databases';
  if (target.kind === 'databases') return target.names.join(', ');
  if (target.kind === 'website') return `website ${target.id}`;
  return target.kind === 'all' ? 'all databases' : 'shards only';
}

/** What the picker says under a website target, so nobody wonders what `$1` is. */
export function websiteTargetNote(websiteId: string): string {
  const id = websiteId.trim() === '' ? 'the id' : websiteId.trim();
  return `Runs on the one database website ${id}’s shard_name names (looked up on the primary). In the statement, $1 is ${id}: e.g. WHERE website_id = $1.`;
}

export interface KnownDatabase {
  readonly name: string;
  readonly role: 'primary' | 'shard';
}

/** The databases a run will answer from, to show them as running at once; a website's is known only once it answers. */
export function expectedDatabases(target: QueryTargetParam, known: readonly KnownDatabase[]): string[] {
  switch (target.kind) {
    case 'all':
      return known.map((d) => d.name);
    case 'shards':
      return known.filter((d) => d.role === 'shard').map((d) => d.name);
    case 'databases':
      return known.filter((d) => target.names.includes(d.name)).map((d) => d.name);
    case 'website':
      return [];
  }
}
