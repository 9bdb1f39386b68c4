import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';

/**
 * A native modal <dialog>: focus is trapped and Escape closes it without any code of ours; `open`
 * drives showModal/close so React state stays the one source of truth.
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
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="modal" aria-label={title} onClose={onClose} onCancel={onClose} data-testid={testId}>
      <h2 className="modal__title">{title}</h2>
      {open && children}
    </dialog>
  );
}
