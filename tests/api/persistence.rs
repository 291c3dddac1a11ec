//! Data survives a restart of the service.

use crate::both;
use crate::helpers::*;

async fn restart(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create("ball", 4).await;
    app.create("oranges", 2).await;
    let db = app.stop().await;
    let app = spawn_app_with(db, &[]).await;
    assert_eq!(app.all_names().await, ["ball", "oranges"]);
    let ball: serde_json::Value = app.get("/v1/products/ball").await.json().await.unwrap();
    assert_eq!(ball["quantity"], 4);
}
both!(data_survives_a_restart, restart);

/// SQLite's write-ahead log is folded back into the database file while the service keeps its
/// connections open: it does not keep every write since start (SQLite alone restarts the log
/// only when no connection is reading it, which under steady load is never).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_write_ahead_log_is_truncated_while_the_service_runs() {
    use std::time::{Duration, Instant};

    let app = spawn_app(Backend::Sqlite).await;
    let database = app.db.sqlite_file().expect("a SQLite database");
    let wal = format!("{}-wal", database.display());
    let wal_size = move || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);

    // Writers and readers at once, so that a reader always holds the log.
    let load_until = Instant::now() + Duration::from_secs(3);
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let (client, base) = (app.client.clone(), app.url("/v1/products"));
            tokio::spawn(async move {
                let mut round = 0u32;
                while Instant::now() < load_until {
                    let url = format!("{base}/w{worker}-{}", round % 50);
                    let put = client
                        .put(&url)
                        .json(&serde_json::json!({"quantity": round}));
                    assert!(put.send().await.unwrap().status().is_success());
                    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
                    round += 1;
                }
            })
        })
        .collect();
    let mut largest = 0;
    while workers.iter().any(|worker| !worker.is_finished()) {
        largest = largest.max(wal_size());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for worker in workers {
        worker.await.unwrap();
    }
    assert!(
        largest > 1 << 20,
        "the load wrote too little to test: log of {largest} bytes"
    );

    // The next checkpoint truncates it, with the pool's connections still open.
    let deadline = Instant::now() + 3 * products_api::app::WAL_CHECKPOINT_INTERVAL;
    while wal_size() > 64 << 10 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        wal_size() <= 64 << 10,
        "the log still holds {} bytes (at most {largest} under load)",
        wal_size()
    );
    assert_eq!(app.all_names().await.len(), 8 * 50);
}
