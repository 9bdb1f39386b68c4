CREATE TABLE pwb_contents (
  id bigserial PRIMARY KEY,
  website_id integer,
  key character varying NOT NULL,
  tag character varying,
  page_part_key character varying,
  input_type character varying DEFAULT 'html',
  status character varying,
  sort_order integer DEFAULT 0,
  translations jsonb DEFAULT '{}'::jsonb NOT NULL,
  raw text,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE UNIQUE INDEX index_pwb_contents_on_website_id_and_key ON pwb_contents (website_id, key);
CREATE INDEX index_pwb_contents_on_website_id_and_tag ON pwb_contents (website_id, tag);
CREATE INDEX index_pwb_contents_on_translations ON pwb_contents USING gin (translations);

CREATE TABLE pwb_links (
  id bigserial PRIMARY KEY,
  website_id integer,
  slug character varying NOT NULL,
  parent_slug character varying,
  page_slug character varying,
  link_url character varying,
  link_path character varying,
  link_path_params character varying,
  placement integer DEFAULT 0,
  sort_order integer DEFAULT 0,
  visible boolean DEFAULT true,
  is_external boolean DEFAULT false,
  translations jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
-- PWB orders this one (slug, website_id); a tenant-led index sits next to it for per-tenant scans.
CREATE UNIQUE INDEX index_pwb_links_on_slug_and_website_id ON pwb_links (slug, website_id);
CREATE INDEX index_pwb_links_on_website_id_and_placement ON pwb_links (website_id, placement);
