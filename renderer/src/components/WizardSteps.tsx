/** A wizard's numbered steps: those before the current one marked done, the current one as aria-current. */
export function WizardSteps({ labels, step }: { labels: readonly string[]; step: number }) {
  return (
    <ol className="wizard-steps" aria-label="Steps">
      {labels.map((label, i) => (
        <li key={label} className={i < step ? 'is-done' : undefined} aria-current={i === step ? 'step' : undefined}>
          {i + 1}. {label}
        </li>
      ))}
    </ol>
  );
}
