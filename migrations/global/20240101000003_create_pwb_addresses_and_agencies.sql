CREATE TABLE pwb_addresses (
  id serial PRIMARY KEY,
  street_number character varying,
  street_address character varying,
  postal_code character varying,
  city character varying,
  region character varying,
  country character varying,
  latitude double precision,
  longitude double precision,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);

CREATE TABLE pwb_agencies (
  id serial PRIMARY KEY,
  website_id integer,
  company_name character varying,
  display_name character varying,
  email_primary character varying,
  phone_number_primary character varying,
  primary_address_id integer,
  details json DEFAULT '{}'::json,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_agencies_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id),
  CONSTRAINT fk_rails_pwb_agencies_address FOREIGN KEY (primary_address_id) REFERENCES pwb_addresses (id)
);
CREATE INDEX index_pwb_agencies_on_website_id ON pwb_agencies (website_id);
