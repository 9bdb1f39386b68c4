import { describe, expect, it } from 'vitest';
import type { CatalogTable } from '../../../electron/core/catalog/database-catalog.ts';
import { controlPlaneKeysAbsentOn, foreignKeyKind } from '../../../electron/core/catalog/foreign-key-kinds.ts';
import { classifyTables } from '../../../electron/core/catalog/tenant-tables.ts';

function table(name: string, columns: string[], fks: Array<[string, string[], string]> = []): CatalogTable {
  return {
    name,
    schema: 'public',
    table: name,
    columns: columns.map((c, i) => ({ name: c, type: 'bigint', notNull: false, default: null, position: i + 1, generated: false, identity: false })),
    primaryKey: ['id'],
    foreignKeys: fks.map(([n, cols, ref]) => ({ name: n, columns: cols, refTable: ref, refColumns: ['id'] })),
    constraints: [],
    indexes: [],
    rowEstimate: 0,
    partitioned: false,
  };
}

const primaryTables = [
  table('pwb_websites', ['id']),
  table('pwb_users', ['id', 'website_id']),
  table('pwb_countries', ['id']),
  table('pwb_realty_assets', ['id', 'website_id', 'country_id'], [['fk_country', ['country_id'], 'pwb_countries']]),
  table(
    'pwb_support_tickets',
    ['id', 'website_id', 'creator_id'],
    [
      ['fk_ticket_website', ['website_id'], 'pwb_websites'],
      ['fk_ticket_creator', ['creator_id'], 'pwb_users'],
    ],
  ),
  table(
    'pwb_ticket_messages',
    ['id', 'support_ticket_id', 'user_id', 'reply_to_id'],
    [
      ['fk_message_ticket', ['support_ticket_id'], 'pwb_support_tickets'],
      ['fk_message_user', ['user_id'], 'pwb_users'],
      ['fk_message_reply', ['reply_to_id'], 'pwb_ticket_messages'],
    ],
  ),
];
const options = { tenantKeys: ['website_id'], globalTables: ['pwb_websites', 'pwb_users'] };
const primary = { ...classifyTables(primaryTables, options), tables: new Map(primaryTables.map((t) => [t.name, t])) };
const fk = (t: string, name: string) => primaryTables.find((x) => x.name === t)!.foreignKeys.find((k) => k.name === name)!;

describe('foreign-key kinds', () => {
  it('tells a chain step, a reference between tenant tables, one into the control plane and one elsewhere apart', () => {
    expect(foreignKeyKind(primary, 'pwb_ticket_messages', fk('pwb_ticket_messages', 'fk_message_ticket'))).toBe('chain');
    expect(foreignKeyKind(primary, 'pwb_ticket_messages', fk('pwb_ticket_messages', 'fk_message_reply'))).toBe('tenant');
    expect(foreignKeyKind(primary, 'pwb_ticket_messages', fk('pwb_ticket_messages', 'fk_message_user'))).toBe('control-plane');
    expect(foreignKeyKind(primary, 'pwb_support_tickets', fk('pwb_support_tickets', 'fk_ticket_website'))).toBe('control-plane');
    expect(foreignKeyKind(primary, 'pwb_realty_assets', fk('pwb_realty_assets', 'fk_country'))).toBe('other');
  });

  it('never follows a key into the control plane to make a table tenant data', () => {
    // pwb_ticket_messages reaches its website through its ticket, not through pwb_users.website_id.
    expect(primary.tenantTables.get('pwb_ticket_messages')!.chain.map((s) => s.refTable)).toEqual(['pwb_support_tickets']);
    expect(primary.tenantTables.has('pwb_users')).toBe(false);
  });

  it('sets aside only the keys into global tables the other database lacks', () => {
    const tenantOnlyShard = { tables: new Map(primaryTables.filter((t) => !options.globalTables.includes(t.name)).map((t) => [t.name, t])) };
    const schemaLoadShard = { tables: primary.tables };
    const tickets = primary.tables.get('pwb_support_tickets')!;
    expect([...controlPlaneKeysAbsentOn(primary, tickets, tenantOnlyShard)].sort()).toEqual(['fk_ticket_creator', 'fk_ticket_website']);
    expect([...controlPlaneKeysAbsentOn(primary, tickets, schemaLoadShard)]).toEqual([]);
    // A key into a non-global table the other side lacks is not the control plane: never set aside.
    const assets = primary.tables.get('pwb_realty_assets')!;
    expect([...controlPlaneKeysAbsentOn(primary, assets, tenantOnlyShard)]).toEqual([]);
  });
});
