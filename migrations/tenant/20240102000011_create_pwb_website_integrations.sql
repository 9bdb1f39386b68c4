CREATE TABLE pwb_website_integrations (
  id bigserial PRIMARY KEY,
  website_id bigint NOT NULL,
  category character varying NOT NULL,
  provider character varying NOT NULL,
  -- Rails `encrypts :credentials`: an opaque ciphertext envelope, only the app's key can read it
  credentials text,
  settings jsonb DEFAULT '{}'::jsonb,
  enabled boolean DEFAULT true NOT NULL,
  sync_interval interval DEFAULT '1 day'::interval,
  last_synced_at timestamp without time zone,
  last_error_at timestamp without time zone,
  last_error_message text,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE UNIQUE INDEX index_pwb_website_integrations_unique_provider
  ON pwb_website_integrations (website_id, category, provider);
