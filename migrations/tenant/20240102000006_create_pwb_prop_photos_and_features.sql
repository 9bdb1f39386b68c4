CREATE TABLE pwb_prop_photos (
  id bigserial PRIMARY KEY,
  realty_asset_id uuid,
  image character varying,
  description character varying,
  folder character varying,
  file_size integer,
  sort_order integer,
  external_url character varying,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_prop_photos_realty_asset FOREIGN KEY (realty_asset_id) REFERENCES pwb_realty_assets (id)
);
CREATE INDEX index_pwb_prop_photos_on_realty_asset_id ON pwb_prop_photos (realty_asset_id, sort_order);

CREATE TABLE pwb_features (
  id bigserial PRIMARY KEY,
  realty_asset_id uuid,
  feature_key character varying NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_features_realty_asset FOREIGN KEY (realty_asset_id) REFERENCES pwb_realty_assets (id)
);
CREATE UNIQUE INDEX index_pwb_features_on_realty_asset_id_and_feature_key ON pwb_features (realty_asset_id, feature_key);
CREATE INDEX index_pwb_features_on_feature_key ON pwb_features (feature_key);
