import { useState } from 'react';
import type { FormEvent } from 'react';
import { formatBytes, formatCount } from '../../../../shared/format.ts';
import { EXPORT_FORMATS } from '../../../../shared/query-result-text.ts';
import type { ExportFormat } from '../../../../shared/query-result-text.ts';
import type { FileExportState } from '../../api/query-hooks.ts';
import { ChooseFileButton } from '../ChooseFileButton.tsx';
import { ErrorPanel } from '../ErrorPanel.tsx';
import { ModalDialog } from '../ModalDialog.tsx';
import { SHOWN_EXPORT_FORMATS } from '../../view/query-export.ts';
import type { ShownExport, ShownExportFormat } from '../../view/query-export.ts';

/**
 * Saves a text made in the page: a Blob behind an <a download>. The CSP governs what a page loads, not
 * where a download comes from, so a blob: URL needs no CSP change; it is revoked once the click is done.
 */
export function downloadText(file: ShownExport): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "Export shown: CSV · JSON": the grid's rows, filtered and sorted as they are on screen. */
export function ExportShownButtons({ disabled, onExport }: { disabled: boolean; onExport: (format: ShownExportFormat) => void }) {
  return (
    <span className="query-toolbar__group" role="group" aria-label="Export what is shown">
      <span className="field__label">Export shown</span>
      {SHOWN_EXPORT_FORMATS.map((format) => (
        <button key={format} type="button" className="button" disabled={disabled} onClick={() => onExport(format)} data-testid={`export-shown-${format}`}>
          {format.toUpperCase()}
        </button>
      ))}
    </span>
  );
}

interface FileExportDialogProps {
  readonly open: boolean;
  readonly suggestedPath: (format: ExportFormat, at: Date) => string;
  readonly state: FileExportState | null;
  /** `overwrite`: the operator ticked replacing a file already at the path. */
  readonly onStart: (file: string, format: ExportFormat, overwrite: boolean) => void;
  readonly onCancel: () => void;
  readonly onClose: () => void;
}

/** Every row of every database of the target to a file on the machine running the console (query.export). */
export function FileExportDialog({ open, onClose, onCancel, state, ...form }: FileExportDialogProps) {
  const close = () => {
    if (state?.running) onCancel();
    onClose();
  };
  return (
    <ModalDialog open={open} title="Stream every row to a file" onClose={close} testId="file-export-dialog">
      <FileExportForm {...form} state={state} onCancel={onCancel} onClose={close} />
    </ModalDialog>
  );
}

/** The export's file: typed, or (in the desktop app) chosen with its save dialog. */
function ExportPathField({
  path,
  running,
  onTyped,
  onChosen,
}: {
  path: string;
  running: boolean;
  onTyped: (path: string) => void;
  onChosen: (path: string) => void;
}) {
  return (
    <>
      <label className="field">
        <span className="field__label">File path</span>
        <input className="input mono" value={path} onChange={(e) => onTyped(e.target.value)} disabled={running} data-testid="file-export-path" />
      </label>
      <ChooseFileButton purpose="export" suggested={path} disabled={running} onChosen={onChosen} />
    </>
  );
}

/** Mounted each time the dialog opens: a fresh suggested path, named for that moment. */
function FileExportForm({ suggestedPath, state, onStart, onCancel, onClose }: Omit<FileExportDialogProps, 'open'>) {
  const [at] = useState(() => new Date());
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [file, setFile] = useState<string | null>(null);
  const [overwrite, setOverwrite] = useState(false);
  const path = file ?? suggestedPath(format, at);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onStart(path, format, overwrite);
  };
  // The dialog asked before replacing a file there.
  const chooseFile = (chosen: string) => (setFile(chosen), setOverwrite(true));
  return (
    <form onSubmit={submit}>
      <p className="muted">
        Every row of every database of the target, no row cap, written on <strong>the machine running the console</strong>. The file appears only when every
        database gave all its rows.
      </p>
      <ExportPathField path={path} running={state?.running ?? false} onTyped={setFile} onChosen={chooseFile} />
      <fieldset className="query-export__formats" disabled={state?.running}>
        <legend className="field__label">Format</legend>
        {EXPORT_FORMATS.map((f) => (
          <label key={f} className="query-target__kind">
            <input type="radio" name="export-format" checked={format === f} onChange={() => setFormat(f)} />
            {f.toUpperCase()}
          </label>
        ))}
      </fieldset>
      <label className="query-target__kind">
        <input
          type="checkbox"
          checked={overwrite}
          onChange={(e) => setOverwrite(e.target.checked)}
          disabled={state?.running}
          data-testid="file-export-overwrite"
        />
        Replace a file already there
      </label>
      {state !== null && <FileExportProgress state={state} />}
      <ExportActions running={state?.running ?? false} canStart={path.trim() !== ''} onCancel={onCancel} onClose={onClose} />
    </form>
  );
}

function ExportActions({ running, canStart, onCancel, onClose }: { running: boolean; canStart: boolean; onCancel: () => void; onClose: () => void }) {
  return (
    <div className="modal__actions">
      {running ? (
        <>
          <button type="button" className="button button--danger" onClick={onCancel}>
            Cancel export
          </button>
          {/* Where Export was: a second click of a double click lands on nothing, not on Cancel. */}
          <button type="button" className="button button--primary" disabled>
            Exporting…
          </button>
        </>
      ) : (
        <button type="submit" className="button button--primary" disabled={!canStart}>
          Export
        </button>
      )}
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

function FileExportProgress({ state }: { state: FileExportState }) {
  const written = Object.entries(state.written);
  return (
    <div className="query-export__progress" aria-live="polite" data-testid="file-export-progress">
      {written.length > 0 && (
        <ul className="query-status__list">
          {written.map(([database, rows]) => (
            <li key={database} className="query-status__item">
              <span className="query-status__name">{database}</span> {formatCount(rows)} rows written
            </li>
          ))}
        </ul>
      )}
      {state.running && <p className="muted">Writing {state.file}…</p>}
      {state.cancelled && <p className="muted">Cancelled: no file was written.</p>}
      {state.result !== null && (
        <p data-testid="file-export-done">
          Wrote {formatBytes(state.result.bytes)} to <code>{state.result.file}</code>.
        </p>
      )}
      {state.error !== null && <ErrorPanel error={state.error} />}
    </div>
  );
}
