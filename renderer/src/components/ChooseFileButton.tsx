import { saveDialog } from '../api/client.ts';

/**
 * "Choose…": the desktop app's save dialog, the one way its window names a file outside the console's
 * own folders (the main process refuses other paths). Absent in a browser, where the path is typed.
 */
export function ChooseFileButton({
  purpose,
  suggested,
  disabled = false,
  onChosen,
}: {
  purpose: 'export' | 'profile';
  /** The path shown now: its file name is the dialog's suggestion. */
  suggested: string;
  disabled?: boolean;
  onChosen: (path: string) => void;
}) {
  const choose = saveDialog();
  if (choose === null) return null;
  const name = suggested.split(/[\\/]/).pop() ?? '';
  return (
    <button
      type="button"
      className="button"
      disabled={disabled}
      onClick={() => void choose(purpose, name).then((path) => path !== null && onChosen(path))}
      data-testid={`choose-${purpose}-file`}
    >
      Choose…
    </button>
  );
}
