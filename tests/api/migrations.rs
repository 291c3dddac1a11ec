//! Migrations: three replicas starting at once, and the `migrate` subcommand.

use std::process::Command;

use futures::future::join_all;
use products_api::app::Application;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_migrating_an_empty_postgres_database_all_come_up() {
    let db = TestDatabase::new(Backend::Postgres).await;
    let builds = join_all((0..3).map(|_| Application::build(settings(&db.url, &[])))).await;
    let applications: Vec<Application> = builds
        .into_iter()
        .map(|built| built.expect("every replica starts"))
        .collect();

    assert_eq!(
        db.applied_migrations().await,
        migration_count(),
        "each migration applied exactly once"
    );

    for application in applications {
        let (trigger, stop) = products_api::shutdown::channel();
        let address = application.api_addr();
        let server = tokio::spawn(application.run_until_stopped(stop));
        let ready = reqwest::get(format!("http://{address}/readyz"))
            .await
            .unwrap();
        assert_eq!(ready.status(), 200);
        trigger.fire();
        server.await.unwrap().unwrap();
    }
}

fn products_api(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_products-api"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run products-api")
}

#[tokio::test]
async fn migrate_subcommand_applies_rolls_back_and_reports() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    // One word per migration, in order.
    let status = || {
        let out = products_api(&db.url, &["migrate", "status"]);
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let words: Vec<String> = text
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect();
        assert_eq!(words.len(), migration_count(), "{text}");
        words
    };
    let all = |word: &str| vec![word.to_owned(); migration_count()];
    assert_eq!(status(), all("pending"));
    assert!(products_api(&db.url, &["migrate", "up"]).status.success());
    assert_eq!(status(), all("applied"));
    assert!(products_api(&db.url, &["migrate", "down"]).status.success());
    let mut last_rolled_back = all("applied");
    *last_rolled_back.last_mut().unwrap() = "pending".to_owned();
    assert_eq!(
        status(),
        last_rolled_back,
        "down rolls back the last migration only"
    );
    assert!(
        products_api(&db.url, &["migrate", "fresh"])
            .status
            .success()
    );
    assert_eq!(status(), all("applied"));
}
