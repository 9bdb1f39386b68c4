CREATE TABLE pwb_subscriptions (
  id bigserial PRIMARY KEY,
  website_id bigint NOT NULL,
  plan_key character varying NOT NULL,
  status character varying DEFAULT 'trialing' NOT NULL,
  trial_ends_at timestamp(6) without time zone,
  current_period_starts_at timestamp(6) without time zone,
  current_period_ends_at timestamp(6) without time zone,
  cancel_at_period_end boolean DEFAULT false NOT NULL,
  external_id character varying,
  metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_subscriptions_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id)
);
CREATE UNIQUE INDEX index_pwb_subscriptions_on_website_id ON pwb_subscriptions (website_id);
CREATE UNIQUE INDEX index_pwb_subscriptions_on_external_id ON pwb_subscriptions (external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX index_pwb_subscriptions_on_status ON pwb_subscriptions (status);
