CREATE TABLE pwb_media_folders (
  id bigserial PRIMARY KEY,
  website_id bigint NOT NULL,
  parent_id bigint,
  name character varying NOT NULL,
  slug character varying NOT NULL,
  sort_order integer DEFAULT 0,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  -- a tree: a copier must insert parents before children (or defer the check)
  CONSTRAINT fk_rails_pwb_media_folders_parent FOREIGN KEY (parent_id) REFERENCES pwb_media_folders (id)
);
CREATE INDEX index_pwb_media_folders_on_website_id_and_parent_id ON pwb_media_folders (website_id, parent_id);
CREATE UNIQUE INDEX index_pwb_media_folders_on_website_id_and_slug ON pwb_media_folders (website_id, slug);

CREATE TABLE pwb_media (
  id bigserial PRIMARY KEY,
  website_id bigint NOT NULL,
  folder_id bigint,
  filename character varying NOT NULL,
  title character varying,
  alt_text character varying,
  content_type character varying,
  byte_size bigint,
  checksum character varying,
  width integer,
  height integer,
  tags character varying[] DEFAULT '{}'::character varying[],
  usage_count integer DEFAULT 0 NOT NULL,
  metadata jsonb DEFAULT '{}'::jsonb,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_media_folder FOREIGN KEY (folder_id) REFERENCES pwb_media_folders (id)
);
CREATE INDEX index_pwb_media_on_website_id_and_folder_id ON pwb_media (website_id, folder_id);
CREATE INDEX index_pwb_media_on_website_id_and_content_type ON pwb_media (website_id, content_type);
CREATE INDEX index_pwb_media_on_folder_id ON pwb_media (folder_id);
