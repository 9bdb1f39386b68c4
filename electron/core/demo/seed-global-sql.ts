/*
 * INSERT ... SELECT statements for the control-plane tables on the primary, driven by the session's
 * temp table `seed_websites (id, subdomain, shard_name, custom_domain, large)` that the website plan
 * filled. Website ids are given explicitly so a seed always yields the same ids.
 */

/**
 * Platform staff: the first pwb_users rows of a fresh primary, ids 1..PLATFORM_STAFF. Tenant rows that
 * name a user (tickets, ticket messages) pick among them, so every database that enforces PWB's
 * foreign keys into pwb_users finds them.
 */
export const PLATFORM_STAFF = 5;

export function globalSeedStatements(): string[] {
  return [
    `INSERT INTO pwb_websites (id, subdomain, custom_domain, custom_domain_verified, custom_domain_verified_at, shard_name,
       company_display_name, theme_name, site_type, provisioning_state, default_client_locale, supported_locales, default_currency,
       analytics_id, owner_email, metadata, configuration, created_at, updated_at)
     SELECT w.id, w.subdomain, w.custom_domain, v.verified, CASE WHEN v.verified THEN v.t + interval '2 days' END, w.shard_name,
       initcap(replace(w.subdomain, '-', ' ')) || ' Realty',
       (ARRAY['default','bristol','brisbane','berlin'])[pg_temp.pick('w.th:' || w.id, 1, 4)],
       (ARRAY['residential','commercial','vacation_rental'])[pg_temp.pick('w.st:' || w.id, 1, 3)],
       CASE WHEN w.large OR v.r < 0.9 THEN 'live' WHEN v.r < 0.95 THEN 'suspended' ELSE 'pending' END,
       (ARRAY['en-UK','es','pt','en-US'])[pg_temp.pick('w.lc:' || w.id, 1, 4)],
       CASE WHEN v.r < 0.5 THEN ARRAY['en-UK','es'] ELSE ARRAY['en-UK'] END,
       CASE WHEN v.r < 0.8 THEN 'EUR' ELSE 'GBP' END,
       CASE WHEN v.r < 0.4 THEN 'G-' || upper(substr(md5('ga' || w.id), 1, 10)) END,
       'owner@' || w.subdomain || '.example',
       jsonb_strip_nulls(jsonb_build_object(
         'zoho_lead_id', CASE WHEN pg_temp.rnd('w.z:' || w.id) < 0.3 THEN 'ZL' || lpad((w.id * 7919 % 1000000)::text, 7, '0') END,
         'signup_source', (ARRAY['organic','partner','ads'])[pg_temp.pick('w.ss:' || w.id, 1, 3)],
         'onboarding', jsonb_build_object('completed', v.r < 0.7, 'step', pg_temp.pick('w.ob:' || w.id, 1, 6)))),
       json_build_object('landing_hero', json_build_object('style', 'carousel'), 'social',
         json_build_object('facebook', 'https://facebook.example/' || w.subdomain)),
       v.t, v.t + pg_temp.rnd('w.u:' || w.id) * interval '300 days'
     FROM seed_websites w
     CROSS JOIN LATERAL (SELECT pg_temp.ts('w.t:' || w.id) AS t, pg_temp.rnd('w.r:' || w.id) AS r,
                                w.custom_domain IS NOT NULL AND pg_temp.rnd('w.v:' || w.id) < 0.8 AS verified) AS v`,
    `SELECT setval('pwb_websites_id_seq', (SELECT max(id) FROM pwb_websites))`,

    // Platform staff: users with no website, members of the large tenants.
    `INSERT INTO pwb_users (website_id, email, encrypted_password, first_names, last_names, admin, sign_in_count,
       current_sign_in_at, last_sign_in_at, locale, created_at, updated_at)
     SELECT NULL, 'staff' || g || '@shard-console.example', '$2a$12$' || substr(md5('staff' || g) || md5('pw' || g), 1, 53),
       'Staff', 'Member ' || g, true, 100 + g, pg_temp.ts('su.c:' || g), pg_temp.ts('su.l:' || g), 'en',
       timestamp '2021-06-01 09:00:00' + g * interval '1 day', timestamp '2021-06-01 09:00:00' + g * interval '1 day'
     FROM generate_series(1, ${PLATFORM_STAFF}) AS g`,
    `INSERT INTO pwb_users (website_id, email, encrypted_password, first_names, last_names, admin, sign_in_count,
       current_sign_in_at, last_sign_in_at, locale, created_at, updated_at)
     SELECT w.id, 'user' || g || '@' || w.subdomain || '.example', '$2a$12$' || substr(md5('u' || w.id || ':' || g) || md5('p' || w.id || ':' || g), 1, 53),
       (ARRAY['Ana','Ben','Carla','David','Elena','Finn'])[pg_temp.pick('u.f:' || w.id || ':' || g, 1, 6)],
       (ARRAY['Garcia','Smith','Silva','Murphy','Lopez'])[pg_temp.pick('u.l:' || w.id || ':' || g, 1, 5)],
       false, pg_temp.pick('u.n:' || w.id || ':' || g, 0, 400),
       pg_temp.ts('u.c:' || w.id || ':' || g), pg_temp.ts('u.s:' || w.id || ':' || g), 'en',
       pg_temp.ts('w.t:' || w.id), pg_temp.ts('w.t:' || w.id) + interval '1 day'
     FROM seed_websites w
     CROSS JOIN LATERAL generate_series(1, CASE WHEN w.large THEN 12 ELSE pg_temp.pick('u:' || w.id, 1, 3) END) AS g`,
    `INSERT INTO pwb_user_memberships (user_id, website_id, role, active, created_at, updated_at)
     SELECT u.id, u.website_id,
       CASE WHEN u.email LIKE 'user1@%' THEN 'owner' WHEN pg_temp.rnd('um:' || u.id) < 0.3 THEN 'admin' ELSE 'member' END,
       u.email LIKE 'user1@%' OR pg_temp.rnd('um.a:' || u.id) < 0.95, u.created_at, u.created_at
     FROM pwb_users u
     JOIN seed_websites w ON w.id = u.website_id`,
    `INSERT INTO pwb_user_memberships (user_id, website_id, role, active, created_at, updated_at)
     SELECT u.id, w.id, 'admin', true, u.created_at, u.created_at
     FROM pwb_users u
     JOIN seed_websites w ON w.large
     WHERE u.website_id IS NULL AND u.email LIKE 'staff%@shard-console.example'`,

    `INSERT INTO pwb_subscriptions (website_id, plan_key, status, trial_ends_at, current_period_starts_at, current_period_ends_at,
       cancel_at_period_end, external_id, metadata, created_at, updated_at)
     SELECT w.id, CASE WHEN w.large THEN 'enterprise' ELSE (ARRAY['starter','professional'])[pg_temp.pick('sb.p:' || w.id, 1, 2)] END,
       v.status, v.t + interval '14 days', date_trunc('month', v.t), date_trunc('month', v.t) + interval '1 month',
       v.status = 'canceled', CASE WHEN v.status <> 'trialing' THEN 'sub_' || substr(md5('sub' || w.id), 1, 14) END,
       jsonb_build_object('seats', 1 + w.id % 5), v.t, v.t
     FROM seed_websites w
     CROSS JOIN LATERAL (SELECT pg_temp.ts('w.t:' || w.id) AS t,
       CASE WHEN w.large THEN 'active'
            ELSE (ARRAY['active','active','active','trialing','past_due','canceled'])[pg_temp.pick('sb.s:' || w.id, 1, 6)] END AS status) AS v
     WHERE w.large OR pg_temp.rnd('sb:' || w.id) < 0.9`,

    `INSERT INTO pwb_addresses (id, street_number, street_address, postal_code, city, region, country, latitude, longitude, created_at, updated_at)
     SELECT w.id, (1 + w.id % 90)::text, (ARRAY['Calle Larios','Avenida Ricardo Soriano','Rua do Ouro','Grafton Street'])[1 + w.id % 4],
       lpad((29000 + w.id % 999)::text, 5, '0'), (ARRAY['Malaga','Marbella','Lisbon','Dublin'])[1 + w.id % 4],
       (ARRAY['Andalucia','Andalucia','Lisboa','Leinster'])[1 + w.id % 4], (ARRAY['ES','ES','PT','IE'])[1 + w.id % 4],
       36.5 + pg_temp.rnd('ad.a:' || w.id), -4.9 + pg_temp.rnd('ad.o:' || w.id), pg_temp.ts('w.t:' || w.id), pg_temp.ts('w.t:' || w.id)
     FROM seed_websites w`,
    `SELECT setval('pwb_addresses_id_seq', (SELECT max(id) FROM pwb_addresses))`,
    `INSERT INTO pwb_agencies (website_id, company_name, display_name, email_primary, phone_number_primary, primary_address_id,
       details, created_at, updated_at)
     SELECT w.id, initcap(replace(w.subdomain, '-', ' ')) || ' Realty S.L.', initcap(replace(w.subdomain, '-', ' ')),
       'info@' || w.subdomain || '.example', '+34 95' || lpad((w.id % 10000000)::text, 7, '0'), w.id,
       json_build_object('licence', 'AIV-' || w.id, 'languages', json_build_array('en', 'es')),
       pg_temp.ts('w.t:' || w.id), pg_temp.ts('w.t:' || w.id)
     FROM seed_websites w`,
  ];
}
