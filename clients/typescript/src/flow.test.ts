/**
 * The whole v1 API through the generated client, against a live server at
 * `PRODUCTS_API_URL`: list, create, get with ETag (and 304), conditional put, adjust, delete,
 * and the problem errors as typed values. Run with `node --test dist/`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { createProductsClient, isProblem, type Problem, type Product } from "./index.js";

const baseUrl = process.env["PRODUCTS_API_URL"];
if (baseUrl === undefined || baseUrl === "") {
  throw new Error("set PRODUCTS_API_URL to the running service, e.g. http://127.0.0.1:8080");
}
const client = createProductsClient(baseUrl);

/** A name that needs percent-encoding in a path: `/`, `%`, `?`, a space, non-ASCII. */
const name = `ts/flow ${randomUUID()} 100% ü?`;

function assertProblem(error: unknown, status: number): Problem {
  assert.ok(isProblem(error), `a problem document: ${JSON.stringify(error)}`);
  assert.equal(error.status, status);
  return error;
}

function assertProduct(product: Product | undefined, quantity: number, version: number): Product {
  assert.ok(product, "a product body");
  assert.equal(product.name, name);
  assert.equal(product.quantity, quantity);
  assert.equal(product.version, version);
  assert.ok(!Number.isNaN(Date.parse(product.created_at)), "created_at is RFC 3339");
  assert.ok(!Number.isNaN(Date.parse(product.updated_at)), "updated_at is RFC 3339");
  return product;
}

test("the v1 API through the generated TypeScript client", async (t) => {
  await t.test("create answers 201 with Location and ETag", async () => {
    const { data, error, response } = await client.POST("/v1/products", {
      body: { name, quantity: 4 },
    });
    assert.equal(error, undefined);
    assert.equal(response.status, 201);
    assertProduct(data, 4, 1);
    assert.equal(response.headers.get("ETag"), '"1"');
    assert.equal(response.headers.get("Location"), `/v1/products/${encodeURIComponent(name)}`);
  });

  await t.test("creating it again is a 409 problem", async () => {
    const { data, error, response } = await client.POST("/v1/products", {
      body: { name, quantity: 1 },
    });
    assert.equal(data, undefined);
    assert.equal(response.status, 409);
    assert.equal(response.headers.get("Content-Type"), "application/problem+json");
    assertProblem(error, 409);
  });

  await t.test("a rule violation is a 422 problem naming the field", async () => {
    const { error } = await client.POST("/v1/products", {
      body: { name: `${name}-negative`, quantity: -1 },
    });
    const problem = assertProblem(error, 422);
    assert.match(problem.detail, /quantity/);
  });

  await t.test("list finds it, in a page of the requested size", async () => {
    const { data, error } = await client.GET("/v1/products", {
      params: { query: { limit: 1000 } },
    });
    assert.equal(error, undefined);
    assert.ok(data);
    assert.ok(data.items.some((p) => p.name === name), "the new product is listed");
    if (data.items.length < 1000) {
      assert.equal(data.next_after, null);
    }
    const names = data.items.map((p) => p.name);
    assert.deepEqual([...names].sort(byCodePoint), names, "code-point order");

    const before = name.slice(0, -1);
    const page = await client.GET("/v1/products", {
      params: { query: { limit: 1, after: before } },
    });
    assert.equal(page.data?.items[0]?.name, name, "`after` pages past the previous name");
    assert.equal(page.data?.next_after, name, "a full page names where to continue");
  });

  await t.test("a bad limit is a 400 problem", async () => {
    const { error, response } = await client.GET("/v1/products", {
      params: { query: { limit: 0 } },
    });
    assert.equal(response.status, 400);
    assertProblem(error, 400);
  });

  let etag = "";
  await t.test("get returns the product and its ETag; If-None-Match gives 304", async () => {
    const { data, response } = await client.GET("/v1/products/{name}", {
      params: { path: { name } },
    });
    assert.equal(response.status, 200);
    assertProduct(data, 4, 1);
    etag = response.headers.get("ETag") ?? "";
    assert.equal(etag, '"1"');

    const cached = await client.GET("/v1/products/{name}", {
      params: { path: { name }, header: { "If-None-Match": etag } },
    });
    assert.equal(cached.response.status, 304);
    assert.equal(cached.data, undefined);
    assert.equal(cached.response.headers.get("ETag"), etag);
  });

  await t.test("put with the current If-Match replaces; a stale one is a 412 problem", async () => {
    const { data, response } = await client.PUT("/v1/products/{name}", {
      params: { path: { name }, header: { "If-Match": etag } },
      body: { quantity: 10 },
    });
    assert.equal(response.status, 200);
    assertProduct(data, 10, 2);
    assert.equal(response.headers.get("ETag"), '"2"');

    const stale = await client.PUT("/v1/products/{name}", {
      params: { path: { name }, header: { "If-Match": etag } },
      body: { quantity: 11 },
    });
    assert.equal(stale.response.status, 412);
    assertProblem(stale.error, 412);

    const createOnly = await client.PUT("/v1/products/{name}", {
      params: { path: { name }, header: { "If-None-Match": "*" } },
      body: { quantity: 12 },
    });
    assertProblem(createOnly.error, 412);
  });

  await t.test("put without conditions creates a missing product (201)", async () => {
    const other = `${name}-upserted`;
    const { data, response } = await client.PUT("/v1/products/{name}", {
      params: { path: { name: other } },
      body: { quantity: 3 },
    });
    assert.equal(response.status, 201);
    assert.equal(data?.name, other);
    assert.equal(response.headers.get("Location"), `/v1/products/${encodeURIComponent(other)}`);
    const deleted = await client.DELETE("/v1/products/{name}", {
      params: { path: { name: other } },
    });
    assert.equal(deleted.response.status, 204);
  });

  await t.test("adjust adds delta; leaving the range is a 409 problem", async () => {
    const { data, response } = await client.POST("/v1/products/{name}/adjustments", {
      params: { path: { name } },
      body: { delta: -3 },
    });
    assert.equal(response.status, 200);
    assertProduct(data, 7, 3);
    assert.equal(response.headers.get("ETag"), '"3"');

    const below = await client.POST("/v1/products/{name}/adjustments", {
      params: { path: { name } },
      body: { delta: -8 },
    });
    assert.equal(below.response.status, 409);
    assertProblem(below.error, 409);

    const zero = await client.POST("/v1/products/{name}/adjustments", {
      params: { path: { name } },
      body: { delta: 0 },
    });
    assert.match(assertProblem(zero.error, 422).detail, /delta/);
  });

  await t.test("delete: a stale If-Match is 412, then 204, then 404", async () => {
    const stale = await client.DELETE("/v1/products/{name}", {
      params: { path: { name }, header: { "If-Match": '"1"' } },
    });
    assertProblem(stale.error, 412);

    const { error, response } = await client.DELETE("/v1/products/{name}", {
      params: { path: { name }, header: { "If-Match": '"3"' } },
    });
    assert.equal(error, undefined);
    assert.equal(response.status, 204);

    const gone = await client.GET("/v1/products/{name}", { params: { path: { name } } });
    assert.equal(gone.response.status, 404);
    assert.equal(assertProblem(gone.error, 404).type, "urn:products-api:problem:not-found");
  });
});

/** Unicode code-point order, which is what the API sorts by (not UTF-16 code units). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return x.length - y.length;
}
