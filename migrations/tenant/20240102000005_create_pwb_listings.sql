-- Listings reach their tenant only through realty_asset_id: they carry no website_id.
CREATE TABLE pwb_sale_listings (
  id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
  realty_asset_id uuid NOT NULL,
  reference character varying,
  active boolean DEFAULT false NOT NULL,
  visible boolean DEFAULT false NOT NULL,
  archived boolean DEFAULT false NOT NULL,
  highlighted boolean DEFAULT false NOT NULL,
  reserved boolean DEFAULT false NOT NULL,
  furnished boolean DEFAULT false NOT NULL,
  price_sale_current_cents bigint DEFAULT 0 NOT NULL,
  price_sale_current_currency character varying DEFAULT 'EUR' NOT NULL,
  price_sale_original_cents bigint DEFAULT 0 NOT NULL,
  commission_percent numeric(5,2),
  translations jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_sale_listings_realty_asset FOREIGN KEY (realty_asset_id) REFERENCES pwb_realty_assets (id)
);
CREATE UNIQUE INDEX index_pwb_sale_listings_on_realty_asset_id_active
  ON pwb_sale_listings (realty_asset_id, active) WHERE active;
CREATE INDEX index_pwb_sale_listings_on_realty_asset_id ON pwb_sale_listings (realty_asset_id);
CREATE INDEX index_pwb_sale_listings_on_price ON pwb_sale_listings (price_sale_current_cents);

CREATE TABLE pwb_rental_listings (
  id bigserial PRIMARY KEY,
  realty_asset_id uuid NOT NULL,
  reference character varying,
  active boolean DEFAULT false NOT NULL,
  visible boolean DEFAULT false NOT NULL,
  archived boolean DEFAULT false NOT NULL,
  highlighted boolean DEFAULT false NOT NULL,
  furnished boolean DEFAULT false NOT NULL,
  for_rent_short_term boolean DEFAULT false NOT NULL,
  for_rent_long_term boolean DEFAULT false NOT NULL,
  price_rental_monthly_current_cents bigint DEFAULT 0 NOT NULL,
  price_rental_monthly_current_currency character varying DEFAULT 'EUR' NOT NULL,
  deposit_amount numeric(12,2),
  min_rental_period interval,
  available_from timestamp without time zone,
  translations jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_rental_listings_realty_asset FOREIGN KEY (realty_asset_id) REFERENCES pwb_realty_assets (id)
);
CREATE UNIQUE INDEX index_pwb_rental_listings_on_realty_asset_id_active
  ON pwb_rental_listings (realty_asset_id, active) WHERE active;
CREATE INDEX index_pwb_rental_listings_on_realty_asset_id ON pwb_rental_listings (realty_asset_id);
