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
    let chr = match backend {
        Backend::Postgres => "chr",
        Backend::Sqlite => "char",
    };
    // In physical order; the original's GET returned the last row of a name.
    let mut seed = vec![
        "('ball', 1)".to_owned(),
        "('ball', 2)".to_owned(),
        "(NULL, 5)".to_owned(),
        "('pen', NULL)".to_owned(),
        "('cup', 3)".to_owned(),
        "('cup', NULL)".to_owned(),
        "('', 1)".to_owned(),
        "(' pad', 2)".to_owned(),
        "('neg', -4)".to_owned(),
        // Names the service's rules refuse, and two with white space inside, which they accept.
        format!("('line' || {chr}(10), 1)"),
        format!("('nul' || {chr}(133) || 'l', 1)"),
        format!("({chr}(160) || 'nbsp', 1)"),
        format!("('ideographic' || {chr}(12288), 1)"),
        format!("('two' || {chr}(160) || 'words', 6)"),
        "('two words', 7)".to_owned(),
    ];
    if backend == Backend::Sqlite {
        // PostgreSQL's INT is 32 bits; SQLite's holds what the service's range does not.
        seed.push("('big', 3000000000)".to_owned());
    }
    for row in &seed {
        conn.execute_unprepared(&format!(
            "INSERT INTO products(name, quantity) VALUES {row}"
        ))
        .await
        .unwrap();
    }
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM products").await,
        seed.len() as i64
    );

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
    let mut expected: Vec<(String, i64)> = [
        ("ball", 2),
        ("cup", 0),
        ("neg", 0),
        ("pen", 0),
        ("two\u{a0}words", 6),
        ("two words", 7),
    ]
    .map(|(n, q)| (n.to_owned(), q))
    .into();
    if backend == Backend::Sqlite {
        expected.push(("big".to_owned(), 2147483647));
    }
    expected.sort();
    assert_eq!(survivors, expected);
    assert_eq!(app.get("/products").await.status(), 200, "every row lists");

    let conn = app.db.connect().await;
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM products").await,
        expected.len() as i64
    );
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
        json!(["line\n", 1, "invalid_name"]),
        json!(["nul\u{85}l", 1, "invalid_name"]),
        json!(["\u{a0}nbsp", 1, "invalid_name"]),
        json!(["ideographic\u{3000}", 1, "invalid_name"]),
    ];
    if backend == Backend::Sqlite {
        expected_legacy.push(json!(["big", 3000000000_i64, "quantity_out_of_range"]));
    }
    expected_legacy.sort_by_key(|v| v.to_string());
    assert_eq!(legacy_sorted, expected_legacy);
    // Every seed row is accounted for: in products unchanged, or recorded.
    assert_eq!(3 + legacy.len(), seed.len());
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

/// The first migration checks names in SQL with its own lists of refused characters; they must
/// be exactly the service's rules, for every character.
#[test]
fn the_adoption_refuses_exactly_the_characters_the_name_rules_do() {
    use products_api::domain::ProductName;
    let listed = |ranges: &[(u32, u32)], c: char| {
        ranges
            .iter()
            .any(|&(first, last)| (first..=last).contains(&u32::from(c)))
    };
    for c in (1..=u32::from(char::MAX)).filter_map(char::from_u32) {
        let inside = ProductName::parse(&format!("a{c}a"), "name").is_err();
        assert_eq!(
            inside,
            listed(&migration::NAME_CONTROL_RANGES, c),
            "{c:?} inside a name"
        );
        let at_the_ends = ProductName::parse(&format!("{c}a"), "name").is_err()
            && ProductName::parse(&format!("a{c}"), "name").is_err();
        assert_eq!(
            at_the_ends,
            inside || listed(&migration::NAME_WHITE_SPACE_RANGES, c),
            "{c:?} at either end"
        );
    }
}
