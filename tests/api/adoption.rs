//! Pointed at the original Go service's table, the first migration adopts it losing nothing.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

async fn count(conn: &impl ConnectionTrait, sql: &str) -> i64 {
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

async fn adopt(backend: Backend) {
    let db = TestDatabase::new(backend).await;
    let conn = db.connect().await;
    conn.execute_unprepared("CREATE TABLE IF NOT EXISTS products(name TEXT, quantity INT)")
        .await
        .unwrap();
    // In physical order; the original's GET returned the last row of a name.
    let seed = [
        "('ball', 1)",
        "('ball', 2)",
        "(NULL, 5)",
        "('pen', NULL)",
        "('cup', 3)",
        "('cup', NULL)",
        "('', 1)",
        "(' pad', 2)",
        "('neg', -4)",
    ];
    for row in seed {
        conn.execute_unprepared(&format!(
            "INSERT INTO products(name, quantity) VALUES {row}"
        ))
        .await
        .unwrap();
    }
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM products").await, 9);

    let app = spawn_app_with(db, &[]).await;
    let page: Value = app.get("/v1/products").await.json().await.unwrap();
    let survivors: Vec<(String, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected =
        [("ball", 2), ("cup", 0), ("neg", 0), ("pen", 0)].map(|(n, q)| (n.to_owned(), q));
    assert_eq!(survivors, expected);

    let conn = app.db.connect().await;
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM products").await, 4);
    let legacy = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT name, quantity, reason FROM products_legacy_rows ORDER BY id",
        ))
        .await
        .unwrap();
    let legacy: Vec<Value> = legacy
        .iter()
        .map(|row| {
            let name: Option<String> = row.try_get("", "name").unwrap();
            let quantity: Option<i64> = row.try_get("", "quantity").unwrap();
            let reason: String = row.try_get("", "reason").unwrap();
            json!([name, quantity, reason])
        })
        .collect();
    let mut legacy_sorted = legacy.clone();
    legacy_sorted.sort_by_key(|v| v.to_string());
    let mut expected_legacy = vec![
        json!(["ball", 1, "duplicate"]),
        json!([null, 5, "null_name"]),
        json!(["pen", null, "null_quantity"]),
        json!(["cup", 3, "duplicate"]),
        json!(["cup", null, "null_quantity"]),
        json!(["", 1, "invalid_name"]),
        json!([" pad", 2, "invalid_name"]),
        json!(["neg", -4, "negative_quantity"]),
    ];
    expected_legacy.sort_by_key(|v| v.to_string());
    assert_eq!(legacy_sorted, expected_legacy);
    // Every seed row is accounted for: in products unchanged, or recorded.
    assert_eq!(1 + legacy.len(), seed.len());
    if backend == Backend::Postgres {
        assert_eq!(conn.get_database_backend(), DbBackend::Postgres);
    }
    // The seed-compatible read returns what the original returned for `ball`.
    assert_eq!(
        app.get("/product?name=ball").await.text().await.unwrap(),
        "{\"Name\":\"ball\",\"quantity\":2}\n"
    );
}
both!(the_original_table_is_adopted_without_loss, adopt);
