-- Tenant tables exist on the primary and on every shard, built from these same files, so none of
-- them may reference pwb_websites (shards have no such table).
CREATE TABLE pwb_pages (
  id bigserial PRIMARY KEY,
  website_id integer,
  slug character varying NOT NULL,
  link_path character varying,
  visible boolean DEFAULT false,
  show_in_top_nav boolean DEFAULT false,
  show_in_footer boolean DEFAULT false,
  sort_order_top_nav integer DEFAULT 0,
  sort_order_footer integer DEFAULT 0,
  translations jsonb DEFAULT '{}'::jsonb NOT NULL,
  details json DEFAULT '{}'::json,
  flags integer DEFAULT 0 NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE UNIQUE INDEX index_pwb_pages_on_website_id_and_slug ON pwb_pages (website_id, slug);
CREATE INDEX index_pwb_pages_on_website_id_and_visible ON pwb_pages (website_id, visible);

CREATE TABLE pwb_page_parts (
  id bigserial PRIMARY KEY,
  website_id integer,
  page_part_key character varying NOT NULL,
  page_slug character varying,
  block_contents json DEFAULT '{}'::json,
  template text,
  editor_setup json DEFAULT '{}'::json,
  order_in_editor integer DEFAULT 0 NOT NULL,
  show_in_editor boolean DEFAULT true NOT NULL,
  is_rails_part boolean DEFAULT false,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE UNIQUE INDEX index_pwb_page_parts_unique_per_website
  ON pwb_page_parts (website_id, page_part_key, page_slug);
CREATE INDEX index_pwb_page_parts_on_page_slug ON pwb_page_parts (page_slug);
