import { useState } from 'react';
import { call } from '../api/client.ts';
import { useBackupList } from '../api/backup-hooks.ts';
import { useClusterOverview } from '../api/hooks.ts';
import { BackupInspector } from '../components/backups/BackupInspector.tsx';
import { BackupList } from '../components/backups/BackupList.tsx';
import { BackupNowDialog } from '../components/backups/BackupNowDialog.tsx';
import { ErrorPanel } from '../components/ErrorPanel.tsx';
import { Loading } from '../components/Loading.tsx';
import { navigate } from '../router/use-route.ts';

/** Verifies one backup against its manifest; a mismatch becomes an error naming each file that failed. */
function useBackupVerify(onDone: () => void) {
  const [verifying, setVerifying] = useState<string | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(undefined);
  const verify = async (target: string) => {
    setVerifying(target);
    setVerifyError(undefined);
    try {
      const result = await call('backup.verify', { path: target });
      if (!result.ok)
        setVerifyError(
          new Error(
            result.files
              .filter((f) => !f.ok)
              .map((f) => `${f.name}: ${f.message}`)
              .join(' '),
          ),
        );
    } catch (e) {
      setVerifyError(e);
    } finally {
      setVerifying(null);
      onDone();
    }
  };
  return { verifying, verifyError, verify };
}

/** The backups of this cluster (make one, verify one, open one) and any pg_dump archive opened offline. */
export function Backups({ open }: { open: string | null }) {
  // Read again on every visit: backups made by the CLI or another console since show up.
  const list = useBackupList({ fresh: true });
  const overview = useClusterOverview();
  const [dialog, setDialog] = useState(false);
  const { verifying, verifyError, verify } = useBackupVerify(list.refetch);
  return (
    <div className="page">
      <header className="page__header">
        <h1>Backups</h1>
        <div className="page__actions">
          <button type="button" className="button" onClick={list.refetch} disabled={list.loading}>
            Refresh
          </button>
          <button type="button" className="button button--primary" onClick={() => setDialog(true)}>
            Back up now…
          </button>
        </div>
      </header>
      <section className="card">
        <h2 className="card__title">In {list.data ? <code>{list.data.dir}</code> : 'the backup folder'}</h2>
        {list.error !== undefined && <ErrorPanel error={list.error} onRetry={list.refetch} />}
        {verifyError !== undefined && <ErrorPanel error={verifyError} />}
        {list.data ? (
          <BackupList backups={list.data.backups} onVerify={(p) => void verify(p)} verifying={verifying} />
        ) : (
          list.error === undefined && <Loading label="Reading the backup folder…" />
        )}
      </section>
      <OpenArchiveForm open={open} />
      {open !== null && <BackupInspector path={open} />}
      <BackupNowDialog open={dialog} databases={overview.data?.databases.map((d) => d.name) ?? []} onClose={() => setDialog(false)} onDone={list.refetch} />
    </div>
  );
}

/** A path typed here opens in the inspector below (through the route, so it can be linked to). */
function OpenArchiveForm({ open }: { open: string | null }) {
  const [path, setPath] = useState(open ?? '');
  return (
    <form
      className="card open-archive"
      onSubmit={(e) => {
        e.preventDefault();
        if (path.trim() !== '') navigate({ name: 'backups', open: path.trim() });
      }}
    >
      <label>
        Open a backup folder or any pg_dump archive (custom, directory, plain .sql, .sql.gz) on this machine{' '}
        <input type="text" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/backup-or-archive" data-testid="open-path" />
      </label>{' '}
      <button type="submit" className="button">
        Open
      </button>
    </form>
  );
}
