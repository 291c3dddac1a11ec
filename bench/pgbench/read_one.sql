-- GET /v1/products/{name}: the statement sea-orm sends (captured from the service's sqlx log);
-- the name is a parameter there, here 'hot-' || $1 (pgbench variables are numbers).
\set i random(0, :hot_set - 1)
\set one 1
SELECT "products"."name", "products"."quantity", "products"."version", "products"."created_at", "products"."updated_at" FROM "products" WHERE "products"."name" = 'hot-' || :i LIMIT :one;
