CREATE TABLE pwb_support_tickets (
  id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
  website_id bigint NOT NULL,
  -- globally unique, so it can collide when two tenants end up in one database
  ticket_number character varying NOT NULL,
  subject character varying NOT NULL,
  description text,
  status character varying DEFAULT 'open' NOT NULL,
  priority character varying DEFAULT 'normal' NOT NULL,
  category character varying,
  creator_id bigint,
  assigned_to_id bigint,
  message_count integer DEFAULT 0 NOT NULL,
  first_response_at timestamp without time zone,
  sla_response_due_at timestamp without time zone,
  resolved_at timestamp(6) without time zone,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL
);
CREATE UNIQUE INDEX index_pwb_support_tickets_on_ticket_number ON pwb_support_tickets (ticket_number);
CREATE INDEX index_pwb_support_tickets_on_website_id_and_status ON pwb_support_tickets (website_id, status);
CREATE INDEX index_pwb_support_tickets_on_website_id_and_created_at ON pwb_support_tickets (website_id, created_at);

CREATE TABLE pwb_ticket_messages (
  id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
  support_ticket_id uuid NOT NULL,
  user_id bigint,
  content text NOT NULL,
  internal_note boolean DEFAULT false NOT NULL,
  from_platform_admin boolean DEFAULT false NOT NULL,
  status_changed_from character varying,
  status_changed_to character varying,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  CONSTRAINT fk_rails_pwb_ticket_messages_support_ticket FOREIGN KEY (support_ticket_id) REFERENCES pwb_support_tickets (id)
);
CREATE INDEX index_pwb_ticket_messages_on_support_ticket_id_and_created_at ON pwb_ticket_messages (support_ticket_id, created_at);
