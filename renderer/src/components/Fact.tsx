/** One label/value pair of a `<dl className="facts">` summary. */
export function Fact({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="facts__item">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}
