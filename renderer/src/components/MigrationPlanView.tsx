import type { MigrationPlanResult } from '../../../shared/contract.ts';

/** The dry run: per database, in the order a run takes them, the SQL it would execute. */
export function MigrationPlanView({ plan }: { plan: MigrationPlanResult }) {
  return (
    <div className="plan" data-testid="migration-plan">
      {plan.databases.map((db) => (
        <section key={db.name} className="plan__database" data-testid={`plan-${db.name}`}>
          <h3>
            {db.stage}. {db.name}{' '}
            <span className="muted">
              {db.stage === 1 ? 'first, alone' : `then, with the other shards (${plan.parallel} at a time)`} ·{' '}
              {db.error ? 'cannot be read' : db.steps.length === 0 ? 'up to date' : `${db.steps.length} to apply`}
            </span>
          </h3>
          {db.error && <p className="run__error">{db.error.message}</p>}
          {db.steps.map((step) => (
            <details key={step.version} className="plan__step">
              <summary>
                <span className="mono">{step.version}</span> {step.name} <span className="badge badge--shard">{step.set}</span>
              </summary>
              <pre className="sql">{step.sql}</pre>
            </details>
          ))}
        </section>
      ))}
    </div>
  );
}
