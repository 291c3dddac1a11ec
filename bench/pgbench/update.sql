-- PUT /v1/products/{name} {"quantity"} without conditions: the upsert the service sends.
\set i random(0, :hot_set - 1)
\set q random(0, 1000000)
\set one 1
INSERT INTO "products" ("name", "quantity", "version", "created_at", "updated_at") VALUES ('hot-' || :i, :q, :one, now(), now()) ON CONFLICT ("name") DO UPDATE SET "quantity" = "excluded"."quantity", "updated_at" = "excluded"."updated_at", "version" = "products"."version" + :one RETURNING "name", "quantity", "version", "created_at", "updated_at";
