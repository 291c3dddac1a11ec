/**
 * The products-api client: request and response types come from `schema.d.ts`, which
 * openapi-typescript generates from `openapi/openapi.json` on every build; openapi-fetch
 * sends the requests. Nothing here restates the API by hand.
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";

import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };

/** A product as the API returns it. */
export type Product = components["schemas"]["Product"];
/** One page of `GET /v1/products`. */
export type ProductPage = components["schemas"]["ProductPage"];
/** Every error body: RFC 9457 problem details (`application/problem+json`). */
export type Problem = components["schemas"]["Problem"];

/** A client for the API at `baseUrl` (e.g. `http://127.0.0.1:8080`). */
export function createProductsClient(
  baseUrl: string,
  options: Omit<ClientOptions, "baseUrl"> = {},
): Client<paths> {
  return createClient<paths>({ ...options, baseUrl });
}

/** Narrows an error body to a problem document (the API sends one for every 4xx/5xx). */
export function isProblem(value: unknown): value is Problem {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const body = value as Record<string, unknown>;
  return (
    typeof body["type"] === "string" &&
    typeof body["title"] === "string" &&
    typeof body["status"] === "number" &&
    typeof body["detail"] === "string"
  );
}
