CREATE TABLE pwb_saved_searches (
  id bigserial PRIMARY KEY,
  website_id bigint NOT NULL,
  email character varying NOT NULL,
  name character varying,
  search_criteria jsonb DEFAULT '{}'::jsonb NOT NULL,
  alert_frequency integer DEFAULT 0 NOT NULL,
  enabled boolean DEFAULT true NOT NULL,
  manage_token character varying NOT NULL,
  unsubscribe_token character varying NOT NULL,
  last_run_at timestamp without time zone,
  last_result_count integer DEFAULT 0,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE INDEX index_pwb_saved_searches_on_website_id_and_email ON pwb_saved_searches (website_id, email);
CREATE UNIQUE INDEX index_pwb_saved_searches_on_manage_token ON pwb_saved_searches (manage_token);
CREATE UNIQUE INDEX index_pwb_saved_searches_on_unsubscribe_token ON pwb_saved_searches (unsubscribe_token);

CREATE TABLE pwb_search_alerts (
  id bigserial PRIMARY KEY,
  saved_search_id bigint NOT NULL,
  new_properties jsonb DEFAULT '[]'::jsonb NOT NULL,
  total_results_count integer DEFAULT 0,
  sent_at timestamp without time zone,
  delivered_at timestamp without time zone,
  opened_at timestamp without time zone,
  error_message text,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_search_alerts_saved_search FOREIGN KEY (saved_search_id) REFERENCES pwb_saved_searches (id)
);
CREATE INDEX index_pwb_search_alerts_on_saved_search_id_and_created_at ON pwb_search_alerts (saved_search_id, created_at);
