CREATE TABLE pwb_users (
  id serial PRIMARY KEY,
  -- the website a user signed up on; NULL for platform staff
  website_id integer,
  email character varying DEFAULT '' NOT NULL,
  encrypted_password character varying DEFAULT '' NOT NULL,
  first_names character varying,
  last_names character varying,
  admin boolean DEFAULT false,
  sign_in_count integer DEFAULT 0 NOT NULL,
  current_sign_in_at timestamp without time zone,
  last_sign_in_at timestamp without time zone,
  locale character varying DEFAULT 'en',
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_users_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id)
);
CREATE UNIQUE INDEX index_pwb_users_on_email ON pwb_users (email);
CREATE INDEX index_pwb_users_on_website_id ON pwb_users (website_id);

CREATE TABLE pwb_user_memberships (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL,
  website_id bigint NOT NULL,
  role character varying DEFAULT 'member' NOT NULL,
  active boolean DEFAULT true NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_user_memberships_user FOREIGN KEY (user_id) REFERENCES pwb_users (id),
  CONSTRAINT fk_rails_pwb_user_memberships_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id)
);
CREATE UNIQUE INDEX index_pwb_user_memberships_on_user_and_website ON pwb_user_memberships (user_id, website_id);
CREATE INDEX index_pwb_user_memberships_on_website_id ON pwb_user_memberships (website_id, role);
