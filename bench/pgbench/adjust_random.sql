-- POST /v1/products/{name}/adjustments {"delta":1} on a random hot-set product (the mix's writes).
\set i random(0, :hot_set - 1)
\set delta 1
\set one 1
\set zero 0
\set max 2147483647
UPDATE "products" SET "quantity" = "quantity" + :delta, "version" = "version" + :one, "updated_at" = now() WHERE "products"."name" = 'hot-' || :i AND ("quantity" + :delta BETWEEN :zero AND :max) RETURNING "name", "quantity", "version", "created_at", "updated_at";
