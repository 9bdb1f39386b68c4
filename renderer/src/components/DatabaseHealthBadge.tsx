import { useDoctor } from '../api/shard-hooks.ts';
import { databaseHealth } from '../view/doctor.ts';

/** The doctor's verdict on one database, linking to its findings; the doctor runs once per page view and is shared. */
export function DatabaseHealthBadge({ database }: { database: string }) {
  const doctor = useDoctor();
  if (doctor.data === undefined) {
    return doctor.error !== undefined ? (
      <span className="health-badge health-badge--pending" title="The doctor could not run">
        health unknown
      </span>
    ) : (
      <span className="health-badge health-badge--pending" data-testid="health-pending">
        checking health…
      </span>
    );
  }
  const health = databaseHealth(
    doctor.data.databases.find((d) => d.name === database),
    doctor.data.checks,
  );
  if (health === null) return null;
  // Not `.badge`: the overview's status cell already has one, and its specs address it as the only one.
  return (
    <a
      className={`health-badge health-badge--${health.tone}`}
      href={`#/doctor?database=${encodeURIComponent(database)}`}
      title={health.title}
      data-testid="health-badge"
      data-tone={health.tone}
    >
      {health.label}
    </a>
  );
}
