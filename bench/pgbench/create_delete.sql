-- POST /v1/products then DELETE /v1/products/{name}: two statements (two HTTP requests) per
-- pgbench transaction; the harness counts statements/s = 2 × tps. Timestamps: now() where the
-- service binds the time it read.
\set r random(1, 2000000000)
\set one 1
INSERT INTO "products" ("name", "quantity", "version", "created_at", "updated_at") VALUES ('cd-' || :client_id || '-' || :r, :one, :one, now(), now()) ON CONFLICT ("name") DO NOTHING RETURNING "name", "quantity", "version", "created_at", "updated_at";
DELETE FROM "products" WHERE "products"."name" = 'cd-' || :client_id || '-' || :r RETURNING "name", "quantity", "version", "created_at", "updated_at";
