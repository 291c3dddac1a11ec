// Swagger UI as a person uses it: headless Chromium opens /docs, "Try it out" creates a
// product and reads it back, and the responses shown on the page are checked. Every request
// the page makes must go to the service itself (the UI's assets are embedded in the binary).
//
// Environment: PRODUCTS_API_URL (the running service), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOT (default ../../target/artifacts/swagger-ui.png).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = process.env.PRODUCTS_API_URL;
if (!baseUrl) {
  throw new Error("set PRODUCTS_API_URL to the running service, e.g. http://127.0.0.1:8080");
}
const origin = new URL(baseUrl).origin;
const screenshot = resolve(
  process.env.SCREENSHOT ?? join(here, "..", "..", "target", "artifacts", "swagger-ui.png"),
);

let browser;
let context;
let page;
const foreignRequests = [];

before(async () => {
  // Flags as this machine needs them: no sandbox as root, and no background connections to
  // hosts that a closed network refuses. (playwright gives it a new, empty profile.)
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) {
      foreignRequests.push(url);
    }
  });
});

after(async () => {
  await browser?.close();
});

/** The operation block of `operationId`, expanded, in "Try it out" mode. */
async function tryItOut(operationId) {
  const block = page.locator(`#operations-Products-${operationId}`);
  await block.locator(".opblock-summary").first().click();
  await block.locator("button.try-out__btn").click();
  return block;
}

/** Clicks Execute and returns the status and body the page shows for the live response. */
async function execute(block) {
  await block.locator("button.execute").click();
  const live = block.locator(".live-responses-table .response");
  await live.first().waitFor({ state: "visible", timeout: 15_000 });
  const status = (await live.locator(".response-col_status").first().innerText()).trim();
  const body = (await live.locator(".response-col_description pre").first().innerText()).trim();
  const headers = (await live.locator(".response-col_description").first().innerText()).trim();
  return { status, body, headers };
}

const name = `browser ${randomUUID().slice(0, 8)}/ü`;

test("Swagger UI at /docs creates a product and reads it back", async () => {
  const response = await page.goto(`${baseUrl}/docs`, { waitUntil: "load" });
  assert.equal(response?.status(), 200);
  await page.locator(".swagger-ui .info .title").waitFor({ timeout: 15_000 });
  assert.match(await page.locator(".swagger-ui .info .title").innerText(), /products-api/);

  // POST /v1/products with a JSON body typed into the request editor.
  const create = await tryItOut("createProduct");
  const editor = create.locator("textarea.body-param__text");
  await editor.fill(JSON.stringify({ name, quantity: 4 }, null, 2));
  const created = await execute(create);
  assert.equal(created.status, "201", `create: ${created.body}`);
  const product = JSON.parse(created.body);
  assert.equal(product.name, name);
  assert.equal(product.quantity, 4);
  assert.equal(product.version, 1);
  assert.match(created.headers, /etag: "1"/i);
  assert.match(created.headers, /location: \/v1\/products\/browser%20/i);

  // GET /v1/products/{name}: the UI percent-encodes the path parameter.
  const get = await tryItOut("getProduct");
  await get.locator('tr[data-param-name="name"] input').fill(name);
  const read = await execute(get);
  assert.equal(read.status, "200", `get: ${read.body}`);
  assert.deepEqual(JSON.parse(read.body), product);
  assert.match(read.headers, /etag: "1"/i);

  // A second create of the same name shows the problem document the API answers with.
  await create.locator("button.execute").click();
  const conflict = create.locator(".live-responses-table .response-col_status", { hasText: "409" });
  await conflict.waitFor({ timeout: 15_000 });
  const problem = JSON.parse(
    (await create.locator(".live-responses-table .response-col_description pre").first().innerText()).trim(),
  );
  assert.equal(problem.status, 409);
  assert.equal(problem.type, "urn:products-api:problem:already-exists");

  await get.scrollIntoViewIfNeeded();
  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });

  assert.deepEqual(foreignRequests, [], "the page loads nothing from outside the service");
});
