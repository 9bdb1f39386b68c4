-- Control-plane table: lives on the primary only. shard_name routes every tenant row of a website
-- to one database (NULL means 'default', as in PWB).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE pwb_websites (
  id serial PRIMARY KEY,
  subdomain character varying NOT NULL,
  custom_domain character varying,
  custom_domain_verified boolean DEFAULT false NOT NULL,
  custom_domain_verified_at timestamp(6) without time zone,
  shard_name character varying DEFAULT 'default',
  company_display_name character varying,
  theme_name character varying DEFAULT 'default',
  site_type character varying DEFAULT 'residential',
  provisioning_state character varying DEFAULT 'live' NOT NULL,
  default_client_locale character varying DEFAULT 'en-UK',
  supported_locales text[] DEFAULT '{en-UK}'::text[],
  default_currency character varying DEFAULT 'EUR',
  analytics_id character varying,
  owner_email character varying,
  metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
  -- plain json on purpose: PWB keeps some settings as json, which has no equality operator
  configuration json DEFAULT '{}'::json,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT pwb_websites_provisioning_state_check
    CHECK (provisioning_state IN ('pending', 'provisioning', 'live', 'suspended', 'terminated'))
);

CREATE UNIQUE INDEX index_pwb_websites_on_subdomain ON pwb_websites (subdomain);
CREATE UNIQUE INDEX index_pwb_websites_on_custom_domain ON pwb_websites (custom_domain)
  WHERE custom_domain IS NOT NULL;
CREATE INDEX index_pwb_websites_on_shard_name ON pwb_websites (shard_name, id);
CREATE INDEX index_pwb_websites_on_provisioning_state ON pwb_websites (provisioning_state);
CREATE INDEX index_pwb_websites_on_created_at ON pwb_websites (created_at);
CREATE INDEX index_pwb_websites_on_zoho_lead_id ON pwb_websites ((metadata ->> 'zoho_lead_id'));
-- Tenant search in the console is substring / ILIKE on these: trigram GIN serves both.
CREATE INDEX index_pwb_websites_on_subdomain_trgm ON pwb_websites USING gin (subdomain gin_trgm_ops);
CREATE INDEX index_pwb_websites_on_custom_domain_trgm ON pwb_websites USING gin (custom_domain gin_trgm_ops);
