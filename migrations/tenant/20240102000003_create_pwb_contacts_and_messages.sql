CREATE TABLE pwb_contacts (
  id bigserial PRIMARY KEY,
  website_id bigint,
  first_name character varying,
  last_name character varying,
  title integer DEFAULT 0,
  primary_email character varying,
  primary_phone_number character varying,
  other_email character varying,
  nationality character varying,
  documentation_id character varying,
  details json DEFAULT '{}'::json,
  flags integer DEFAULT 0 NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE INDEX index_pwb_contacts_on_website_id_and_primary_email ON pwb_contacts (website_id, primary_email);
CREATE INDEX index_pwb_contacts_on_last_name ON pwb_contacts (last_name);

CREATE TABLE pwb_messages (
  id bigserial PRIMARY KEY,
  -- nullable in PWB: enquiries that arrived before a website was resolved have none
  website_id bigint,
  contact_id bigint,
  title character varying,
  content text,
  origin_email character varying,
  origin_ip character varying,
  user_agent character varying,
  host character varying,
  url character varying,
  locale character varying,
  latitude double precision,
  longitude double precision,
  delivery_email character varying,
  delivery_success boolean DEFAULT false,
  delivered_at timestamp without time zone,
  read boolean DEFAULT false NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_messages_contact FOREIGN KEY (contact_id) REFERENCES pwb_contacts (id)
);
CREATE INDEX index_pwb_messages_on_website_id_and_read ON pwb_messages (website_id, read);
CREATE INDEX index_pwb_messages_on_website_id_and_created_at ON pwb_messages (website_id, created_at);
CREATE INDEX index_pwb_messages_on_contact_id ON pwb_messages (contact_id);
