CREATE TABLE pwb_field_keys (
  id bigserial PRIMARY KEY,
  -- PWB names the tenant column differently here
  pwb_website_id bigint,
  global_key character varying NOT NULL,
  tag character varying,
  visible boolean DEFAULT true,
  props_count integer DEFAULT 0 NOT NULL,
  sort_order integer DEFAULT 0,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE UNIQUE INDEX index_pwb_field_keys_on_pwb_website_id_and_global_key ON pwb_field_keys (pwb_website_id, global_key);
CREATE INDEX index_pwb_field_keys_on_pwb_website_id_and_tag ON pwb_field_keys (pwb_website_id, tag);
