import type { ChangeEvent } from 'react';
import { TARGET_KIND_LABELS, websiteTargetNote } from '../../view/query-target.ts';
import type { KnownDatabase, TargetForm, TargetKind } from '../../view/query-target.ts';

const KINDS = Object.keys(TARGET_KIND_LABELS) as TargetKind[];

/** Where the statement runs: every database, the shards, the databases ticked, or one website's database. */
export function TargetPicker({
  form,
  databases,
  onChange,
  disabled,
}: {
  form: TargetForm;
  databases: readonly KnownDatabase[];
  onChange: (form: TargetForm) => void;
  disabled: boolean;
}) {
  const toggle = (name: string) => (event: ChangeEvent<HTMLInputElement>) =>
    onChange({ ...form, names: event.target.checked ? [...form.names, name] : form.names.filter((n) => n !== name) });
  return (
    <fieldset className="query-target" disabled={disabled} data-testid="query-target">
      <legend className="field__label">Run on</legend>
      <div className="query-target__kinds" role="radiogroup" aria-label="Run on">
        {KINDS.map((kind) => (
          <label key={kind} className="query-target__kind">
            <input type="radio" name="query-target" value={kind} checked={form.kind === kind} onChange={() => onChange({ ...form, kind })} />
            {TARGET_KIND_LABELS[kind]}
          </label>
        ))}
      </div>
      {form.kind === 'databases' && (
        <div className="query-target__names" data-testid="query-target-databases">
          {databases.map((d) => (
            <label key={d.name} className="query-target__kind">
              <input type="checkbox" checked={form.names.includes(d.name)} onChange={toggle(d.name)} />
              {d.name}
              <span className="muted"> ({d.role})</span>
            </label>
          ))}
        </div>
      )}
      {form.kind === 'website' && (
        <div className="query-target__website">
          <label className="field">
            <span className="field__label">Website id</span>
            <input
              className="input query-target__id"
              inputMode="numeric"
              value={form.websiteId}
              onChange={(e) => onChange({ ...form, websiteId: e.target.value })}
              data-testid="query-website-id"
            />
          </label>
          <p className="muted query-target__note" data-testid="query-website-note">
            {websiteTargetNote(form.websiteId)}
          </p>
        </div>
      )}
    </fieldset>
  );
}
