import { useState } from 'react';
import type { FormEvent } from 'react';
import type { AddShardResult } from '../../../shared/contract.ts';
import { call } from '../api/client.ts';
import { readAgainAfter } from '../api/hooks.ts';
import { ErrorPanel } from './ErrorPanel.tsx';
import { ModalDialog } from './ModalDialog.tsx';

/** The form's fields and the call behind it; closing forgets the last result and error, not what was typed. */
function useAddShard(onClose: () => void, onAdded: () => void) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<AddShardResult | null>(null);

  const close = () => {
    setError(undefined);
    setResult(null);
    onClose();
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setResult(await call('cluster.addShard', { name: name.trim(), url: url.trim() }));
      // The overview (not on screen now), the matrix and every other page now have another database.
      readAgainAfter('cluster');
      onAdded();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { name, setName, url, setUrl, busy, error, result, close, submit };
}

/** `shard add` in the UI: the same method, the same refusals, shown in the words the core uses. */
export function AddShardDialog({ open, onClose, onAdded }: { open: boolean; onClose: () => void; onAdded: () => void }) {
  const shard = useAddShard(onClose, onAdded);
  return (
    <ModalDialog open={open} title="Add a shard" onClose={shard.close} testId="add-shard-dialog">
      {shard.result ? <AddedShard result={shard.result} onDone={shard.close} /> : <AddShardForm shard={shard} />}
    </ModalDialog>
  );
}

function AddedShard({ result, onDone }: { result: AddShardResult; onDone: () => void }) {
  return (
    <>
      <p>
        Added <strong>{result.name}</strong> ({result.host}:{result.port}/{result.database}) to {result.profile}:{' '}
        {result.created ? 'created the database, ' : ''}applied {result.applied.length} tenant migrations, and moved {result.sequences.length} sequences to
        their own id range.
      </p>
      <div className="modal__actions">
        <button type="button" className="button button--primary" onClick={onDone}>
          Done
        </button>
      </div>
    </>
  );
}

function AddShardForm({ shard }: { shard: ReturnType<typeof useAddShard> }) {
  const { name, setName, url, setUrl, busy, error, close, submit } = shard;
  return (
    <form onSubmit={submit} className="form">
      <label className="field">
        <span className="field__label">Shard name (as pwb_websites.shard_name will say)</span>
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="shard_3" required pattern="[A-Za-z_][A-Za-z0-9_]*" />
      </label>
      <label className="field">
        <span className="field__label">
          Connection URL; a password only as a ${'{'}VAR{'}'} reference
        </span>
        <input
          className="input mono"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="postgres://pwb:${PWB_SHARD_PASSWORD}@db-shard-3:5432/pwb_shard_3"
          required
        />
      </label>
      <p className="muted">
        Creates the database when the server allows it, applies the tenant migrations, gives its sequences an id range of their own and writes it into the
        profile.
      </p>
      {error !== undefined && <ErrorPanel error={error} />}
      <div className="modal__actions">
        <button type="button" className="button" onClick={close} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add shard'}
        </button>
      </div>
    </form>
  );
}
