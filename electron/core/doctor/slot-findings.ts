import type { DoctorResult, Finding } from '../../../shared/contract.ts';
import type { DatabaseTarget } from '../config/profile-schema.ts';
import type { ConsoleContext } from '../console-context.ts';
import { readStoredSlot } from '../migrations/sequence-slots.ts';
import { finding } from './doctor-finding.ts';

type Check = DoctorResult['checks'][number];

/*
 * Two databases recording one block of ids (migrations/sequence-slots.ts): the sequences migrations
 * create later start at the same ids on both, and a website moved between them is refused as a
 * collision. A database copied from another (a template, a restored backup) brings its slot along; two
 * consoles deciding at once, from profiles listing the shards in other orders, can give one twice.
 */
export async function sequenceSlotFindings(
  ctx: ConsoleContext,
  databases: readonly DatabaseTarget[],
  allReachable: boolean,
): Promise<{ findings: Finding[]; check: Check }> {
  const read = await Promise.all(databases.map(async (t) => ({ name: t.name, slot: await readStoredSlot(ctx.pools.get(t.name)).catch(() => undefined) })));
  const bySlot = new Map<number, string[]>();
  for (const { name, slot } of read) if (slot !== null && slot !== undefined) bySlot.set(slot, [...(bySlot.get(slot) ?? []), name]);
  // Past every database of the profile (one not read could hold a slot up to its place) and every slot read.
  const highest = Math.max(ctx.pools.targets.length - 1, ...bySlot.keys());
  const findings = [...bySlot]
    .filter(([, names]) => names.length > 1)
    .map(([slot, names]) =>
      finding(
        'shared-sequence-block',
        'warning',
        { database: names[1]! },
        `${names.join(' and ')} record the same block of ids (slot ${slot} in shard_console.sequence_slot): a table a migration creates later hands out the same ids on each, and a website moved between them is refused as a collision. One is likely a copy of the other.`,
        `Keep slot ${slot} on ${names[0]}; on ${names.slice(1).join(', ')}, before the next migration run, record a slot no database has (UPDATE shard_console.sequence_slot SET slot = ${highest + 1}, then ${highest + 2}, …). Sequences made before keep their ids: the id-range findings show any overlap.`,
      ),
    );
  const unread = read.filter((r) => r.slot === undefined).map((r) => r.name);
  const check: Check = {
    check: 'sequence blocks',
    status: unread.length === 0 && allReachable ? 'ran' : 'partial',
    note: unread.length > 0 ? `The slots of ${unread.join(', ')} could not be read.` : allReachable ? null : 'Only the databases that answered were compared.',
  };
  return { findings, check };
}
