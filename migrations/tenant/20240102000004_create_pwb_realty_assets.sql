CREATE TABLE pwb_realty_assets (
  id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
  website_id integer,
  reference character varying,
  -- globally unique in PWB, not per website: two tenants in one database cannot share a slug
  slug character varying,
  title character varying,
  description text,
  street_number character varying,
  street_address character varying,
  postal_code character varying,
  city character varying,
  region character varying,
  country character varying,
  latitude double precision,
  longitude double precision,
  count_bedrooms integer DEFAULT 0,
  count_bathrooms double precision DEFAULT 0.0,
  count_toilets integer DEFAULT 0,
  count_garages integer DEFAULT 0,
  constructed_area numeric(10,2) DEFAULT 0.0,
  plot_area numeric(12,2) DEFAULT 0.0,
  year_construction integer,
  energy_rating integer,
  energy_performance double precision,
  prop_type_key character varying,
  prop_state_key character varying,
  prop_origin_key character varying,
  -- element defaults with commas inside: array literal quoting must survive copies and diffs
  features text[] DEFAULT '{"sea view, south facing","garden, private"}'::text[] NOT NULL,
  tags character varying[] DEFAULT '{}'::character varying[] NOT NULL,
  translations jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE UNIQUE INDEX index_pwb_realty_assets_on_slug ON pwb_realty_assets (slug);
CREATE INDEX index_pwb_realty_assets_on_website_id_and_reference ON pwb_realty_assets (website_id, reference);
CREATE INDEX index_pwb_realty_assets_on_website_id_and_prop_type_key ON pwb_realty_assets (website_id, prop_type_key);
CREATE INDEX index_pwb_realty_assets_on_website_id_and_city ON pwb_realty_assets (website_id, city);
CREATE INDEX index_pwb_realty_assets_on_lat_lng ON pwb_realty_assets (latitude, longitude);
CREATE INDEX index_pwb_realty_assets_on_tags ON pwb_realty_assets USING gin (tags);
