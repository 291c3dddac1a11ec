//! A plain axum + sqlx service: the same reads and writes as products-api, with the same SQL,
//! and nothing else (no telemetry, no validation beyond JSON types, no metrics, no logs, no
//! timeouts, sqlx's default pool). It answers the benchmark's read-one, list-100 and update
//! workloads, and the hot-set seeding that bench/harness.py does with PUT.
//!
//! LISTEN_ADDR=127.0.0.1:8080 DATABASE_URL=postgres://… axum-sqlx-reference serve

use std::env;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

const LIST: &str = r#"SELECT "products"."name", "products"."quantity", "products"."version", "products"."created_at", "products"."updated_at" FROM "products" ORDER BY "products"."name" ASC LIMIT $1"#;
const READ_ONE: &str = r#"SELECT "products"."name", "products"."quantity", "products"."version", "products"."created_at", "products"."updated_at" FROM "products" WHERE "products"."name" = $1 LIMIT $2"#;
const UPSERT: &str = r#"INSERT INTO "products" ("name", "quantity", "version", "created_at", "updated_at") VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("name") DO UPDATE SET "quantity" = "excluded"."quantity", "updated_at" = "excluded"."updated_at", "version" = "products"."version" + $6 RETURNING "name", "quantity", "version", "created_at", "updated_at""#;

#[derive(Serialize, sqlx::FromRow)]
struct Product {
    name: String,
    quantity: i64,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct Page {
    limit: Option<i64>,
}

#[derive(Deserialize)]
struct Replacement {
    quantity: i64,
}

type Answer<T> = Result<Json<T>, StatusCode>;

fn unavailable(_: sqlx::Error) -> StatusCode {
    StatusCode::SERVICE_UNAVAILABLE
}

async fn list(State(pool): State<PgPool>, Query(page): Query<Page>) -> Answer<Vec<Product>> {
    let rows = sqlx::query_as(LIST)
        .bind(page.limit.unwrap_or(100))
        .fetch_all(&pool)
        .await
        .map_err(unavailable)?;
    Ok(Json(rows))
}

async fn read_one(State(pool): State<PgPool>, Path(name): Path<String>) -> Answer<Product> {
    sqlx::query_as(READ_ONE)
        .bind(name)
        .bind(1_i64)
        .fetch_optional(&pool)
        .await
        .map_err(unavailable)?
        .map(Json)
        .ok_or(StatusCode::NOT_FOUND)
}

async fn replace(
    State(pool): State<PgPool>,
    Path(name): Path<String>,
    Json(body): Json<Replacement>,
) -> Answer<Product> {
    let now = Utc::now();
    sqlx::query_as(UPSERT)
        .bind(name)
        .bind(body.quantity)
        .bind(1_i64)
        .bind(now)
        .bind(now)
        .bind(1_i64)
        .fetch_one(&pool)
        .await
        .map(Json)
        .map_err(unavailable)
}

async fn ready(State(pool): State<PgPool>) -> StatusCode {
    match sqlx::query("SELECT 1").execute(&pool).await {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

#[tokio::main]
async fn main() {
    let url = env::var("DATABASE_URL").expect("DATABASE_URL");
    let addr = env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    // products-api's pool size; every other pool setting is sqlx's default.
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect(&url)
        .await
        .expect("connect");
    let app = Router::new()
        .route("/readyz", get(ready))
        .route("/v1/products", get(list))
        .route("/v1/products/{name}", get(read_one).put(replace))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
