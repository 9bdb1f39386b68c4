-- PWB's db/schema.rb declares foreign keys from tenant tables into the control plane. They need both
-- the global and the tenant tables, so they live here, after both: on the primary (and on a shard built
-- with `schema:load`, which has every table) they exist; a shard built from the tenant tables alone has
-- no pwb_websites or pwb_users and so none of them. Both layouts exist in the wild.
ALTER TABLE pwb_contacts
  ADD CONSTRAINT fk_rails_pwb_contacts_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id);
ALTER TABLE pwb_messages
  ADD CONSTRAINT fk_rails_pwb_messages_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id);
ALTER TABLE pwb_media
  ADD CONSTRAINT fk_rails_pwb_media_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id);
ALTER TABLE pwb_media_folders
  ADD CONSTRAINT fk_rails_pwb_media_folders_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id);
ALTER TABLE pwb_field_keys
  ADD CONSTRAINT fk_rails_pwb_field_keys_website FOREIGN KEY (pwb_website_id) REFERENCES pwb_websites (id);
ALTER TABLE pwb_support_tickets
  ADD CONSTRAINT fk_rails_pwb_support_tickets_website FOREIGN KEY (website_id) REFERENCES pwb_websites (id),
  ADD CONSTRAINT fk_rails_pwb_support_tickets_creator FOREIGN KEY (creator_id) REFERENCES pwb_users (id),
  ADD CONSTRAINT fk_rails_pwb_support_tickets_assignee FOREIGN KEY (assigned_to_id) REFERENCES pwb_users (id);
-- pwb_ticket_messages reaches its website through its ticket (no website_id of its own here), so only
-- its author points into the control plane.
ALTER TABLE pwb_ticket_messages
  ADD CONSTRAINT fk_rails_pwb_ticket_messages_user FOREIGN KEY (user_id) REFERENCES pwb_users (id);
