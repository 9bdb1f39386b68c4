-- The listed-properties read model. The partial unique indexes on the listings guarantee at most one
-- active sale and one active rental listing per asset, so `id` stays unique and the unique index
-- below allows REFRESH MATERIALIZED VIEW CONCURRENTLY.
CREATE MATERIALIZED VIEW pwb_properties AS
SELECT
  a.id,
  a.website_id,
  a.reference,
  a.slug,
  a.title,
  a.city,
  a.region,
  a.country,
  a.postal_code,
  a.latitude,
  a.longitude,
  a.count_bedrooms,
  a.count_bathrooms,
  a.constructed_area,
  a.prop_type_key,
  a.prop_state_key,
  a.features,
  a.tags,
  s.id AS sale_listing_id,
  r.id AS rental_listing_id,
  (s.id IS NOT NULL) AS for_sale,
  (r.id IS NOT NULL) AS for_rent,
  COALESCE(s.visible, false) OR COALESCE(r.visible, false) AS visible,
  COALESCE(s.highlighted, false) OR COALESCE(r.highlighted, false) AS highlighted,
  s.price_sale_current_cents,
  s.price_sale_current_currency,
  r.price_rental_monthly_current_cents,
  r.price_rental_monthly_current_currency,
  r.for_rent_short_term,
  r.for_rent_long_term,
  a.created_at,
  GREATEST(a.updated_at, s.updated_at, r.updated_at) AS updated_at
FROM pwb_realty_assets a
LEFT JOIN pwb_sale_listings s ON s.realty_asset_id = a.id AND s.active
LEFT JOIN pwb_rental_listings r ON r.realty_asset_id = a.id AND r.active;

CREATE UNIQUE INDEX index_pwb_properties_on_id ON pwb_properties (id);
CREATE INDEX index_pwb_properties_on_website_id ON pwb_properties (website_id);
CREATE INDEX index_pwb_properties_on_website_id_and_visible ON pwb_properties (website_id, visible);
CREATE INDEX index_pwb_properties_for_sale_price ON pwb_properties (website_id, for_sale, price_sale_current_cents);
CREATE INDEX index_pwb_properties_for_rent_price ON pwb_properties (website_id, for_rent, price_rental_monthly_current_cents);
CREATE INDEX index_pwb_properties_on_website_id_and_city ON pwb_properties (website_id, city);
CREATE INDEX index_pwb_properties_on_bedrooms ON pwb_properties (website_id, count_bedrooms);
CREATE INDEX index_pwb_properties_on_slug ON pwb_properties (slug);
CREATE INDEX index_pwb_properties_on_lat_lng ON pwb_properties (latitude, longitude);
CREATE INDEX index_pwb_properties_on_tags ON pwb_properties USING gin (tags);
