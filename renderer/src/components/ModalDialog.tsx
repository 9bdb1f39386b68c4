import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

/**
 * A native modal <dialog>: focus is trapped and Escape asks to close it; `open` drives showModal/close
 * so React state stays the one source of truth. Escape only asks (`onClose`): a dialog whose owner
 * keeps it open (a backup running, its progress and Cancel inside) stays open, and one the browser
 * closed anyway (Escape pressed again) opens again while its owner says it is open.
 */
export function ModalDialog({
  open,
  title,
  onClose,
  children,
  testId,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  // Bumped when the browser closed the dialog itself: the effect then opens it again if `open` still says so.
  const [closedByBrowser, setClosedByBrowser] = useState(0);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open, closedByBrowser]);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-label={title}
      onClose={() => {
        setClosedByBrowser((n) => n + 1);
        onClose();
      }}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      data-testid={testId}
    >
      <h2 className="modal__title">{title}</h2>
      {open && children}
    </dialog>
  );
}
