/*
 * PWB's config/database.yml as the architecture reference shows it (development and production, anchors
 * and ENV lookups), plus the forms real deployments add: a replica, an optional demo shard behind
 * `if ... .present?`, `||` fallbacks, and the flat single-database layout of PWB's own production block.
 */
export const PWB_DATABASE_YML = `# PostgreSQL. Versions 9.1 and up are supported.
default: &default
  adapter: postgresql
  encoding: unicode
  # For details on connection pooling, see Rails configuration guide
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>

development:
  primary:
    <<: *default
    database: pwb_development
  tenant_shard_1:
    <<: *default
    database: pwb_development_shard_1
    migrations_paths: db/tenant_shard_1_migrate
  demo_shard:
    <<: *default
    database: pwb_development_demo
    migrations_paths: db/demo_shard_migrate

production:
  primary:
    <<: *default
    database: pwb_production
    url: <%= ENV['PWB_DATABASE_URL'] %>
    password: <%= ENV['PWB_DATABASE_PASSWORD'] %>
    prepared_statements: false
  primary_replica:
    <<: *default
    url: <%= ENV['PWB_DATABASE_REPLICA_URL'] || ENV['PWB_DATABASE_URL'] %>
    replica: true
  tenant_shard_1:
    <<: *default
    database: pwb_production_shard_1
    url: <%= ENV['PWB_TENANT_SHARD_1_DATABASE_URL'] %>
    password: <%= ENV['PWB_DATABASE_PASSWORD'] %>
    prepared_statements: false
<% if ENV['PWB_DEMO_SHARD_DATABASE_URL'].present? %>
  demo_shard:
    <<: *default
    url: <%= ENV['PWB_DEMO_SHARD_DATABASE_URL'] %>
<% end %>

staging:
  primary:
    <<: *default
    database: pwb_staging
    username: pwb
    host: <%= ENV['PWB_STAGING_DB_HOST'] || 'localhost' %>
    password: <%= ENV['PWB_STAGING_DATABASE_PASSWORD'] || ENV['PWB_DATABASE_PASSWORD'] %>
  tenant_shard_1:
    <<: *default
    database: pwb_staging_shard_1
    username: pwb
    host: <%= ENV['PWB_STAGING_SHARD_HOST'] || ENV['PWB_STAGING_DB_HOST'] %>

single:
  <<: *default
  database: pwb_single
  username: pwb
  password: <%= ENV['PWB_DATABASE_PASSWORD'] %>
  prepared_statements: false
`;
