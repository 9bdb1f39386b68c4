/*
 * INSERT ... SELECT statements that fill the tenant tables of one database for the websites listed in
 * the session's temp table `seed_sites (website_id, large)`. Child tables are generated from the
 * parent rows just inserted, so every FK chain (listings, photos, features, ticket messages, search
 * alerts, nested media folders) stays inside the tenant's database.
 *
 * Small tenants get a handful of rows per table; large ones get `base * scale` rows.
 */

import { PLATFORM_STAFF } from './seed-global-sql.ts';

export interface TenantSeedOptions {
  scale: number;
  /** Add a few enquiries with no website (PWB allows NULL website_id): only on the primary. */
  orphanMessages: boolean;
}

const PAGE_SLUGS = `ARRAY['home','buy','rent','sell','about-us','contact-us','privacy','legal','blog','team']`;
const PART_KEYS = `ARRAY['landing_hero','about_us_services','our_agency','content_html','search_cmpt','footer_content_html']`;
const CONTENT_KEYS = `ARRAY['landing_hero','about_us','our_agency','services','footer_content','sell_intro','rent_intro','contact_info']`;
const LINK_SLUGS = `ARRAY['top_nav_home','top_nav_buy','top_nav_rent','top_nav_about','top_nav_contact','footer_privacy','footer_legal','footer_blog']`;
const FIELD_KEYS = `ARRAY['types.apartment','types.villa','types.townhouse','types.land','states.new','states.good','states.renovate','features.pool','features.garden','features.garage','features.terrace','features.sea_views','origin.direct','origin.bank','extras.alarm','extras.lift']`;
const FEATURE_KEYS = `ARRAY['air_conditioning','alarm','balcony','barbecue','elevator','fireplace','garage','garden','heating','pool','sea_views','terrace']`;
const PROP_TYPES = `ARRAY['apartment','villa','townhouse','penthouse','studio','land']`;
const GEO = `geo (i, city, region, country, lat, lng) AS (VALUES
  (1, 'Marbella', 'Andalucia', 'ES', 36.5101, -4.8825), (2, 'Malaga', 'Andalucia', 'ES', 36.7213, -4.4214),
  (3, 'Madrid', 'Madrid', 'ES', 40.4168, -3.7038), (4, 'Barcelona', 'Catalonia', 'ES', 41.3874, 2.1686),
  (5, 'Valencia', 'Valencia', 'ES', 39.4699, -0.3763), (6, 'Lisbon', 'Lisboa', 'PT', 38.7223, -9.1393),
  (7, 'Porto', 'Porto', 'PT', 41.1579, -8.6291), (8, 'Dublin', 'Leinster', 'IE', 53.3498, -6.2603),
  (9, 'Alicante', 'Valencia', 'ES', 38.3452, -0.4810), (10, 'Seville', 'Andalucia', 'ES', 37.3891, -5.9845))`;

export function tenantSeedStatements(options: TenantSeedOptions): string[] {
  const { scale } = options;
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`scale must be a positive number, got ${scale}`);
  /** Rows per website: `lo..hi` for small tenants, `base * scale` for large ones. */
  const perSite = (tag: string, lo: number, hi: number, base: number): string =>
    `CASE WHEN s.large THEN ${Math.max(1, Math.round(base * scale))} ELSE pg_temp.pick('${tag}:' || s.website_id, ${lo}, ${hi}) END`;
  /** Rows per parent row: ranges differ for small and large tenants, not scaled. */
  const perParent = (key: string, lo: number, hi: number, largeLo: number, largeHi: number): string =>
    `CASE WHEN s.large THEN pg_temp.pick(${key}, ${largeLo}, ${largeHi}) ELSE pg_temp.pick(${key}, ${lo}, ${hi}) END`;
  const k = (tag: string): string => `'${tag}:' || s.website_id || ':' || g`;

  const statements = [
    `INSERT INTO pwb_pages (website_id, slug, link_path, visible, show_in_top_nav, show_in_footer, sort_order_top_nav,
       sort_order_footer, translations, details, flags, created_at, updated_at)
     SELECT s.website_id, v.slug, '/p/' || v.slug, pg_temp.rnd(${k('pg.v')}) < 0.85, g <= 5, g > 5, g, g,
       jsonb_build_object('en', jsonb_build_object('page_title', initcap(replace(v.slug, '-', ' '))),
                          'es', jsonb_build_object('page_title', 'Pagina ' || v.slug)),
       json_build_object('layout', 'default', 'seo_title', initcap(v.slug)), 0, v.t, v.t + interval '3 days'
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('pg', 1, 3, 30)}) AS g
     CROSS JOIN LATERAL (SELECT CASE WHEN g <= 10 THEN (${PAGE_SLUGS})[g] ELSE 'page-' || g END AS slug, pg_temp.ts(${k('pg.t')}) AS t) AS v`,

    `INSERT INTO pwb_page_parts (website_id, page_part_key, page_slug, block_contents, template, editor_setup,
       order_in_editor, show_in_editor, is_rails_part, created_at, updated_at)
     SELECT s.website_id, (${PART_KEYS})[1 + (g - 1) % 6], CASE WHEN g <= 6 THEN 'home' ELSE 'page-' || ((g - 1) / 6) END,
       json_build_object('en', json_build_object('blocks', json_build_object('title', json_build_object('content', 'Welcome ' || g)))),
       '<section class="part-' || g || '">{{ page_part["title"]["content"] }}</section>',
       json_build_object('editorBlocks', json_build_array(json_build_array(json_build_object('label', 'title')))),
       g, true, g % 6 = 5, v.t, v.t
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('pp', 1, 3, 60)}) AS g
     CROSS JOIN LATERAL (SELECT pg_temp.ts(${k('pp.t')}) AS t) AS v`,

    `INSERT INTO pwb_contents (website_id, key, tag, page_part_key, input_type, status, sort_order, translations, raw, created_at, updated_at)
     SELECT s.website_id, CASE WHEN g <= 8 THEN (${CONTENT_KEYS})[g] ELSE 'block_' || g END,
       (ARRAY['landing-carousel','content-area','footer'])[1 + g % 3], (${PART_KEYS})[1 + g % 6], 'html', 'published', g,
       jsonb_build_object('raw_en', '<p>Content ' || g || ' of ' || s.website_id || '</p>', 'raw_es', '<p>Contenido ' || g || '</p>'),
       'Content ' || g, v.t, v.t + interval '1 hour'
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('ct', 1, 4, 150)}) AS g
     CROSS JOIN LATERAL (SELECT pg_temp.ts(${k('ct.t')}) AS t) AS v`,

    `INSERT INTO pwb_links (website_id, slug, parent_slug, page_slug, link_url, link_path, link_path_params, placement,
       sort_order, visible, is_external, translations, created_at, updated_at)
     SELECT s.website_id, v.slug, NULL, CASE WHEN g <= 8 THEN split_part(v.slug, '_', 3) END,
       CASE WHEN g % 7 = 0 THEN 'https://blog.example/' || s.website_id END, 'show_page_path', NULL,
       CASE WHEN v.slug LIKE 'footer%' THEN 1 ELSE 0 END, g, true, g % 7 = 0,
       jsonb_build_object('link_title_en', initcap(replace(v.slug, '_', ' '))), v.t, v.t
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('ln', 1, 3, 20)}) AS g
     CROSS JOIN LATERAL (SELECT CASE WHEN g <= 8 THEN (${LINK_SLUGS})[g] ELSE 'link_' || g END AS slug, pg_temp.ts(${k('ln.t')}) AS t) AS v`,

    `INSERT INTO pwb_field_keys (pwb_website_id, global_key, tag, visible, props_count, sort_order, created_at, updated_at)
     SELECT s.website_id, v.key, split_part(v.key, '.', 1), true, pg_temp.pick(${k('fk.n')}, 0, 40), g, v.t, v.t
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('fk', 1, 4, 40)}) AS g
     CROSS JOIN LATERAL (SELECT (${FIELD_KEYS})[1 + (g - 1) % 16] || CASE WHEN g > 16 THEN '_' || g ELSE '' END AS key,
                                pg_temp.ts(${k('fk.t')}) AS t) AS v`,

    `INSERT INTO pwb_contacts (website_id, first_name, last_name, title, primary_email, primary_phone_number, other_email,
       nationality, documentation_id, details, flags, created_at, updated_at)
     SELECT s.website_id, (ARRAY['Ana','Ben','Carla','David','Elena','Finn','Grace','Hugo','Ines','Jon'])[pg_temp.pick(${k('co.f')}, 1, 10)],
       (ARRAY['Garcia','Smith','Silva','Murphy','Lopez','Brown','Costa','Walsh'])[pg_temp.pick(${k('co.l')}, 1, 8)],
       pg_temp.pick(${k('co.ti')}, 0, 2), 'contact' || g || '@client' || s.website_id || '.example',
       '+34 6' || lpad(pg_temp.pick(${k('co.p')}, 0, 99999999)::text, 8, '0'), NULL,
       (ARRAY['ES','PT','IE','GB','DE'])[pg_temp.pick(${k('co.n')}, 1, 5)], NULL,
       json_build_object('source', (ARRAY['web','phone','walk-in'])[pg_temp.pick(${k('co.s')}, 1, 3)]), 0, v.t, v.t
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('co', 0, 3, 2000)}) AS g
     CROSS JOIN LATERAL (SELECT pg_temp.ts(${k('co.t')}) AS t) AS v`,

    `INSERT INTO pwb_messages (website_id, contact_id, title, content, origin_email, origin_ip, user_agent, host, url, locale,
       latitude, longitude, delivery_email, delivery_success, delivered_at, read, created_at, updated_at)
     SELECT c.website_id, CASE WHEN pg_temp.rnd('ms.anon:' || c.primary_email || ':' || g) < 0.1 THEN NULL ELSE c.id END,
       'Enquiry about property ' || g, 'Hello, I would like more information. Message ' || g || '.', c.primary_email,
       '10.' || (c.id % 250) || '.' || g || '.7', 'Mozilla/5.0 (demo)', 'agency.example', '/properties/' || g,
       (ARRAY['en','es','pt'])[1 + (c.id + g) % 3], 36.5 + pg_temp.rnd('ms.lat:' || c.primary_email || ':' || g), -4.9 + pg_temp.rnd('ms.lng:' || c.primary_email || ':' || g),
       'office@agency.example', true, c.created_at + interval '1 minute', pg_temp.rnd('ms.r:' || c.primary_email || ':' || g) < 0.6,
       c.created_at + g * interval '1 day', c.created_at + g * interval '1 day'
     FROM pwb_contacts c
     JOIN seed_sites s ON s.website_id = c.website_id
     CROSS JOIN LATERAL generate_series(1, ${perParent(`'ms:' || c.primary_email`, 0, 1, 1, 2)}) AS g`,

    `INSERT INTO pwb_realty_assets (id, website_id, reference, slug, title, description, street_number, street_address,
       postal_code, city, region, country, latitude, longitude, count_bedrooms, count_bathrooms, count_toilets, count_garages,
       constructed_area, plot_area, year_construction, energy_rating, energy_performance, prop_type_key, prop_state_key,
       prop_origin_key, features, tags, translations, created_at, updated_at)
     WITH ${GEO}
     SELECT pg_temp.uid(${k('ra')}), s.website_id, 'REF-' || lpad(g::text, 6, '0'), v.kind || '-' || s.website_id || '-' || g,
       initcap(v.kind) || ' with ' || v.beds || ' bedrooms in ' || geo.city,
       'A ' || v.beds || '-bedroom ' || v.kind || ' close to the centre of ' || geo.city || '. Bright, quiet, ready to move in.',
       (1 + g % 120)::text, (ARRAY['Calle Mayor','Avenida del Mar','Rua Augusta','Main Street','Paseo Maritimo'])[1 + g % 5],
       lpad((10000 + g % 89999)::text, 5, '0'), geo.city, geo.region, geo.country,
       geo.lat + (v.r - 0.5) * 0.2, geo.lng + (pg_temp.rnd(${k('ra.lng')}) - 0.5) * 0.2,
       v.beds, greatest(1, v.beds - 1) + CASE WHEN v.r < 0.3 THEN 0.5 ELSE 0 END, 1 + v.beds / 3, pg_temp.pick(${k('ra.ga')}, 0, 2),
       round((40 + v.beds * 35 + v.r * 60)::numeric, 2), CASE WHEN v.kind IN ('villa', 'land') THEN round((300 + v.r * 2000)::numeric, 2) ELSE 0 END,
       1960 + pg_temp.pick(${k('ra.y')}, 0, 64), pg_temp.pick(${k('ra.e')}, 1, 7), round((50 + v.r * 250)::numeric, 1)::double precision,
       'types.' || v.kind, (ARRAY['states.new','states.good','states.renovate'])[pg_temp.pick(${k('ra.st')}, 1, 3)],
       (ARRAY['origin.direct','origin.bank'])[pg_temp.pick(${k('ra.or')}, 1, 2)],
       CASE WHEN v.r < 0.5 THEN ARRAY['sea view, south facing', 'garden, private'] ELSE ARRAY['pool', 'terrace, covered', 'air conditioning'] END,
       (CASE WHEN v.r < 0.2 THEN ARRAY['exclusive','new'] WHEN v.r < 0.6 THEN ARRAY['reduced'] ELSE ARRAY[]::text[] END)::character varying[],
       jsonb_build_object('title_en', initcap(v.kind) || ' in ' || geo.city, 'title_es', initcap(v.kind) || ' en ' || geo.city),
       v.t, v.t + pg_temp.rnd(${k('ra.u')}) * interval '90 days'
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('ra', 1, 3, 10000)}) AS g
     CROSS JOIN LATERAL (
       SELECT (${PROP_TYPES})[pg_temp.pick(${k('ra.k')}, 1, 6)] AS kind, pg_temp.pick(${k('ra.b')}, 1, 6) AS beds,
              pg_temp.rnd(${k('ra.r')}) AS r, pg_temp.ts(${k('ra.t')}) AS t,
              CASE WHEN pg_temp.rnd(${k('ra.away')}) < 0.8 THEN pg_temp.pick('home:' || s.website_id, 1, 10)
                   ELSE pg_temp.pick(${k('ra.c')}, 1, 10) END AS city_index) AS v
     JOIN geo ON geo.i = v.city_index`,

    // n = 1 is the active listing; n = 2 an older, archived one (history a mover must carry along).
    `INSERT INTO pwb_sale_listings (id, realty_asset_id, reference, active, visible, archived, highlighted, reserved, furnished,
       price_sale_current_cents, price_sale_current_currency, price_sale_original_cents, commission_percent, translations,
       created_at, updated_at)
     SELECT pg_temp.uid('sl:' || a.id || ':' || n), a.id, a.reference, n = 1, n = 1 AND pg_temp.rnd('sl.v:' || a.id) < 0.9, n = 2,
       n = 1 AND pg_temp.rnd('sl.h:' || a.id) < 0.1, false, pg_temp.rnd('sl.f:' || a.id) < 0.3, v.price - (n - 1) * 1500000,
       'EUR', v.price + 2000000, round((2 + pg_temp.rnd('sl.c:' || a.id) * 3)::numeric, 2),
       jsonb_build_object('description_en', 'For sale: ' || a.title), a.created_at - (n - 1) * interval '200 days', a.updated_at
     FROM pwb_realty_assets a
     JOIN seed_sites s ON s.website_id = a.website_id
     CROSS JOIN LATERAL (SELECT ((a.count_bedrooms * 85000 + pg_temp.pick('sl.p:' || a.id, 40, 400) * 1000) * 100)::bigint AS price) AS v
     CROSS JOIN LATERAL generate_series(1, CASE WHEN pg_temp.rnd('sl:' || a.id) >= 0.6 THEN 0
                                              WHEN pg_temp.rnd('sl.old:' || a.id) < 0.15 THEN 2 ELSE 1 END) AS n`,

    `INSERT INTO pwb_rental_listings (realty_asset_id, reference, active, visible, archived, highlighted, furnished,
       for_rent_short_term, for_rent_long_term, price_rental_monthly_current_cents, price_rental_monthly_current_currency,
       deposit_amount, min_rental_period, available_from, translations, created_at, updated_at)
     SELECT a.id, a.reference, n = 1, n = 1, n = 2, false, pg_temp.rnd('rl.f:' || a.id) < 0.5, v.short_term, NOT v.short_term,
       ((500 + a.count_bedrooms * 350 + pg_temp.pick('rl.p:' || a.id, 0, 900)) * 100)::bigint, 'EUR',
       round((1000 + a.count_bedrooms * 700)::numeric, 2),
       CASE WHEN v.short_term THEN make_interval(days => pg_temp.pick('rl.d:' || a.id, 2, 14))
            ELSE make_interval(months => pg_temp.pick('rl.m:' || a.id, 6, 12)) END,
       (a.created_at + interval '30 days')::timestamp(0), jsonb_build_object('description_en', 'To rent: ' || a.title),
       a.created_at - (n - 1) * interval '400 days', a.updated_at
     FROM pwb_realty_assets a
     JOIN seed_sites s ON s.website_id = a.website_id
     CROSS JOIN LATERAL (SELECT pg_temp.rnd('rl.s:' || a.id) < 0.3 AS short_term) AS v
     CROSS JOIN LATERAL generate_series(1, CASE WHEN pg_temp.rnd('rl:' || a.id) >= 0.4 THEN 0
                                              WHEN pg_temp.rnd('rl.old:' || a.id) < 0.1 THEN 2 ELSE 1 END) AS n`,

    `INSERT INTO pwb_prop_photos (realty_asset_id, image, description, folder, file_size, sort_order, external_url, created_at, updated_at)
     SELECT a.id, 'photos/' || a.website_id || '/' || a.slug || '-' || g || '.jpg', 'Photo ' || g || ' of ' || a.title, 'prop_photos',
       pg_temp.pick('ph.s:' || a.id || ':' || g, 80000, 2500000), g,
       CASE WHEN g = 3 THEN 'https://images.example/' || a.slug || '.jpg' END, a.created_at, a.created_at
     FROM pwb_realty_assets a
     JOIN seed_sites s ON s.website_id = a.website_id
     CROSS JOIN LATERAL generate_series(1, ${perParent(`'ph:' || a.id`, 0, 2, 1, 3)}) AS g`,

    `INSERT INTO pwb_features (realty_asset_id, feature_key, created_at, updated_at)
     SELECT a.id, (${FEATURE_KEYS})[1 + (pg_temp.pick('ft.o:' || a.id, 0, 11) + g) % 12], a.created_at, a.created_at
     FROM pwb_realty_assets a
     JOIN seed_sites s ON s.website_id = a.website_id
     CROSS JOIN LATERAL generate_series(1, ${perParent(`'ft:' || a.id`, 0, 2, 1, 3)}) AS g`,

    // A tree: root folders, child folders under them, and (large tenants) a third level.
    `INSERT INTO pwb_media_folders (website_id, parent_id, name, slug, sort_order, created_at, updated_at)
     SELECT s.website_id, NULL, (ARRAY['Properties','Team','Branding','Blog','Documents','Campaigns','Interiors','Misc'])[1 + (g - 1) % 8] || CASE WHEN g > 8 THEN ' ' || g ELSE '' END,
       'folder-' || g, g, pg_temp.ts(${k('mf.t')}), pg_temp.ts(${k('mf.t')})
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('mf', 1, 2, 8)}) AS g`,
    `INSERT INTO pwb_media_folders (website_id, parent_id, name, slug, sort_order, created_at, updated_at)
     SELECT f.website_id, f.id, f.name || ' ' || g, f.slug || '-sub-' || g, g, f.created_at + interval '1 day', f.created_at + interval '1 day'
     FROM pwb_media_folders f
     JOIN seed_sites s ON s.website_id = f.website_id
     CROSS JOIN LATERAL generate_series(1, CASE WHEN s.large THEN 3 WHEN pg_temp.rnd('mf.c:' || f.id) < 0.75 THEN 1 ELSE 0 END) AS g
     WHERE f.parent_id IS NULL`,
    `INSERT INTO pwb_media_folders (website_id, parent_id, name, slug, sort_order, created_at, updated_at)
     SELECT f.website_id, f.id, f.name || ' archive', f.slug || '-archive', 1, f.created_at + interval '1 day', f.created_at + interval '1 day'
     FROM pwb_media_folders f
     JOIN seed_sites s ON s.website_id = f.website_id AND s.large
     JOIN pwb_media_folders p ON p.id = f.parent_id AND p.parent_id IS NULL`,

    `INSERT INTO pwb_media (website_id, folder_id, filename, title, alt_text, content_type, byte_size, checksum, width, height,
       tags, usage_count, metadata, created_at, updated_at)
     SELECT f.website_id, f.id, f.slug || '-' || g || CASE WHEN v.r < 0.1 THEN '.pdf' WHEN v.r < 0.4 THEN '.png' ELSE '.jpg' END,
       'Media ' || g, 'Image ' || g || ' in ' || f.name,
       CASE WHEN v.r < 0.1 THEN 'application/pdf' WHEN v.r < 0.4 THEN 'image/png' ELSE 'image/jpeg' END,
       (20000 + v.r * 4000000)::bigint, encode(decode(md5(f.id || ':' || g), 'hex'), 'base64'),
       CASE WHEN v.r >= 0.1 THEN 640 + g % 5 * 320 END, CASE WHEN v.r >= 0.1 THEN 480 + g % 4 * 240 END,
       (CASE WHEN v.r < 0.5 THEN ARRAY['hero','featured'] ELSE ARRAY['gallery'] END)::character varying[],
       pg_temp.pick('md.u:' || f.id || ':' || g, 0, 12), jsonb_build_object('exif', jsonb_build_object('camera', 'Demo Cam', 'iso', 100 * (1 + g % 8))),
       f.created_at + g * interval '1 hour', f.created_at + g * interval '1 hour'
     FROM pwb_media_folders f
     JOIN seed_sites s ON s.website_id = f.website_id
     CROSS JOIN LATERAL generate_series(1, ${perParent(`'md:' || f.id`, 0, 2, Math.max(1, Math.round(20 * scale)), Math.max(1, Math.round(34 * scale)))}) AS g
     CROSS JOIN LATERAL (SELECT pg_temp.rnd('md.r:' || f.id || ':' || g) AS r) AS v`,

    `INSERT INTO pwb_support_tickets (id, website_id, ticket_number, subject, description, status, priority, category, creator_id,
       assigned_to_id, message_count, first_response_at, sla_response_due_at, resolved_at, created_at, updated_at)
     SELECT pg_temp.uid(${k('st')}), s.website_id, v.number, 'Help with ' || (ARRAY['billing','domain','listings','import','email'])[1 + g % 5],
       'Ticket ' || g || ' opened by the agency.', v.status, (ARRAY['low','normal','high','urgent'])[pg_temp.pick(${k('st.p')}, 1, 4)],
       (ARRAY['billing','technical','content'])[1 + g % 3], pg_temp.pick(${k('st.c')}, 1, ${PLATFORM_STAFF}),
       CASE WHEN pg_temp.rnd(${k('st.a')}) < 0.6 THEN pg_temp.pick(${k('st.as')}, 1, ${PLATFORM_STAFF}) END,
       ${perParent('v.number', 1, 3, 2, 6)}, (v.t + interval '3 hours')::timestamp(0), (v.t + interval '1 day')::timestamp(0),
       CASE WHEN v.status IN ('resolved', 'closed') THEN v.t + interval '2 days' END, v.t, v.t + interval '2 days'
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('st', 0, 2, 150)}) AS g
     CROSS JOIN LATERAL (SELECT 'TKT-' || lpad(s.website_id::text, 6, '0') || '-' || lpad(g::text, 5, '0') AS number,
                                (ARRAY['open','in_progress','waiting','resolved','closed'])[pg_temp.pick(${k('st.s')}, 1, 5)] AS status,
                                pg_temp.ts(${k('st.t')}) AS t) AS v`,
    `INSERT INTO pwb_ticket_messages (id, support_ticket_id, user_id, content, internal_note, from_platform_admin,
       status_changed_from, status_changed_to, created_at, updated_at)
     SELECT pg_temp.uid('tm:' || t.id || ':' || g), t.id, t.creator_id, 'Message ' || g || ' on ' || t.ticket_number || E'.\\nThanks!',
       g % 4 = 0, g % 2 = 0, CASE WHEN g = 2 THEN 'open' END, CASE WHEN g = 2 THEN 'in_progress' END,
       t.created_at + g * interval '2 hours', t.created_at + g * interval '2 hours'
     FROM pwb_support_tickets t
     JOIN seed_sites s ON s.website_id = t.website_id
     CROSS JOIN LATERAL generate_series(1, t.message_count) AS g`,

    `INSERT INTO pwb_saved_searches (website_id, email, name, search_criteria, alert_frequency, enabled, manage_token,
       unsubscribe_token, last_run_at, last_result_count, created_at, updated_at)
     SELECT s.website_id, 'visitor' || g || '@mail.example', 'Search ' || g,
       jsonb_build_object('city', (ARRAY['Marbella','Malaga','Lisbon','Dublin'])[1 + g % 4], 'min_bedrooms', 1 + g % 4,
                          'max_price_cents', (200000 + g % 10 * 50000) * 100, 'for_sale', g % 2 = 0),
       pg_temp.pick(${k('ss.f')}, 0, 2), pg_temp.rnd(${k('ss.e')}) < 0.9,
       replace(pg_temp.uid(${k('ss.m')})::text, '-', ''), replace(pg_temp.uid(${k('ss.u')})::text, '-', ''),
       (v.t + interval '7 days')::timestamp(0), pg_temp.pick(${k('ss.n')}, 0, 30), v.t, v.t
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, ${perSite('ss', 0, 2, 400)}) AS g
     CROSS JOIN LATERAL (SELECT pg_temp.ts(${k('ss.t')}) AS t) AS v`,
    `INSERT INTO pwb_search_alerts (saved_search_id, new_properties, total_results_count, sent_at, delivered_at, opened_at,
       error_message, created_at, updated_at)
     SELECT ss.id, jsonb_build_array(jsonb_build_object('ref', 'REF-' || lpad(g::text, 6, '0'), 'price_cents', 25000000 + g * 100000)),
       pg_temp.pick('sa.n:' || ss.id || ':' || g, 1, 20), (ss.created_at + g * interval '7 days')::timestamp(0),
       CASE WHEN g % 5 <> 0 THEN (ss.created_at + g * interval '7 days' + interval '1 minute')::timestamp(0) END,
       CASE WHEN g % 3 = 0 THEN (ss.created_at + g * interval '8 days')::timestamp(0) END,
       CASE WHEN g % 5 = 0 THEN 'SMTP 451: temporary failure' END,
       ss.created_at + g * interval '7 days', ss.created_at + g * interval '7 days'
     FROM pwb_saved_searches ss
     JOIN seed_sites s ON s.website_id = ss.website_id
     CROSS JOIN LATERAL generate_series(1, ${perParent(`'sa:' || ss.id`, 0, 2, 0, 5)}) AS g`,

    // credentials imitates a Rails `encrypts` envelope: opaque text a copier must move byte for byte.
    `INSERT INTO pwb_website_integrations (website_id, category, provider, credentials, settings, enabled, sync_interval,
       last_synced_at, last_error_at, last_error_message, created_at, updated_at)
     SELECT s.website_id, (ARRAY['crm','analytics','email'])[g], (ARRAY['zoho','google_analytics','mailchimp'])[g],
       '{"p":"' || encode(decode(md5(${k('wi.p')}) || md5(${k('wi.q')}), 'hex'), 'base64') || '","h":{"iv":"' ||
         encode(decode(substr(md5(${k('wi.iv')}), 1, 24), 'hex'), 'base64') || '","at":"' || encode(decode(md5(${k('wi.at')}), 'hex'), 'base64') || '"}}',
       jsonb_build_object('region', 'eu', 'sync', true), true, (ARRAY[interval '1 day', interval '6 hours', interval '1 hour 30 minutes'])[g],
       (v.t + interval '20 days')::timestamp(0), NULL, NULL, v.t, v.t
     FROM seed_sites s
     CROSS JOIN LATERAL generate_series(1, CASE WHEN s.large THEN 3 ELSE pg_temp.pick('wi:' || s.website_id, 0, 1) END) AS g
     CROSS JOIN LATERAL (SELECT pg_temp.ts(${k('wi.t')}) AS t) AS v`,
  ];

  if (options.orphanMessages) {
    statements.push(
      `INSERT INTO pwb_messages (website_id, contact_id, title, content, origin_email, read, created_at, updated_at)
       SELECT NULL, NULL, 'Unrouted enquiry ' || g, 'Arrived before a website was resolved.', 'someone' || g || '@mail.example',
         false, pg_temp.ts('orphan:' || g), pg_temp.ts('orphan:' || g)
       FROM generate_series(1, 3) AS g`,
    );
  }
  return statements;
}
