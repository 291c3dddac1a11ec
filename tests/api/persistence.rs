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
