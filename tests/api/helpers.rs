//! `spawn_app`: the real service on an ephemeral port, on a fresh SQLite file or a fresh
//! PostgreSQL database, plus an HTTP client.

use std::net::SocketAddr;

use clap::Parser;
use products_api::app::Application;
use products_api::config::Settings;
use products_api::shutdown::{self, Trigger};
use reqwest::{Client, Method, RequestBuilder, Response};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::Value;

/// The PostgreSQL server the tests use (its `postgres` database is the admin entry point).
/// Unreachable means failed tests, never skipped ones.
pub fn pg_admin_url() -> String {
    std::env::var("TEST_PG_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test and is removed afterwards, even when the test panics.
pub struct TestDatabase {
    pub url: String,
    pg_name: Option<String>,
    /// The folder holding a SQLite database's file (removed with it).
    sqlite_dir: Option<tempfile::TempDir>,
}

/// The SQLite database's file name inside its folder.
const SQLITE_FILE: &str = "products.db";

impl TestDatabase {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join(SQLITE_FILE).display()
                );
                Self {
                    url,
                    pg_name: None,
                    sqlite_dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("products_api_test_{}", uuid::Uuid::new_v4().simple());
                let admin = pg_admin().await;
                // An ICU locale database, as RDS creates: a wrong collation would show in ordering tests.
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' \
                         LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
                    ))
                    .await
                    .expect("create the test database");
                let base = pg_admin_url();
                let url = format!(
                    "{}/{name}",
                    base.rsplit_once('/').expect("URL has a path").0
                );
                Self {
                    url,
                    pg_name: Some(name),
                    sqlite_dir: None,
                }
            }
        }
    }

    /// A database this test does not own (nothing is dropped afterwards).
    pub fn at(url: String) -> Self {
        Self {
            url,
            pg_name: None,
            sqlite_dir: None,
        }
    }

    /// The SQLite database's file, for a database this test created on SQLite.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.sqlite_dir
            .as_ref()
            .map(|dir| dir.path().join(SQLITE_FILE))
    }

    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url)
            .await
            .expect("connect to the test database")
    }

    /// How many migrations are recorded as applied in this database.
    pub async fn applied_migrations(&self) -> usize {
        let conn = self.connect().await;
        conn.query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await
        .expect("the migration table")
        .len()
    }
}

/// How many migrations the `migration` crate holds.
pub fn migration_count() -> usize {
    use migration::MigratorTrait;
    migration::Migrator::migrations().len()
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread removes the database.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let admin = pg_admin().await;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .map(drop)
                    .map_err(std::io::Error::other)
            })
        })
        .join();
    }
}

async fn pg_admin() -> DatabaseConnection {
    Database::connect(pg_admin_url())
        .await
        .unwrap_or_else(|err| panic!("PostgreSQL at {} is required: {err}", pg_admin_url()))
}

/// Settings as the binary would parse them, plus `extra` flags.
pub fn settings(database_url: &str, extra: &[&str]) -> Settings {
    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        settings: Settings,
    }
    let mut argv = vec![
        "products-api",
        "--database-url",
        database_url,
        "--listen-addr",
        "127.0.0.1:0",
        "--metrics-addr",
        "127.0.0.1:0",
        "--shutdown-grace-seconds",
        "5",
    ];
    argv.extend_from_slice(extra);
    Args::parse_from(argv).settings
}

/// A running service.
pub struct TestApp {
    pub address: SocketAddr,
    pub metrics_address: SocketAddr,
    pub client: Client,
    pub db: TestDatabase,
    stop: Option<Trigger>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(TestDatabase::new(backend).await, &[]).await
}

pub async fn spawn_app_with(db: TestDatabase, extra: &[&str]) -> TestApp {
    let application = Application::build(settings(&db.url, extra))
        .await
        .expect("the service starts");
    let address = application.api_addr();
    let metrics_address = application.metrics_addr();
    let (trigger, stop) = shutdown::channel();
    let server = tokio::spawn(application.run_until_stopped(stop));
    TestApp {
        address,
        metrics_address,
        client: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client"),
        db,
        stop: Some(trigger),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.expect("GET")
    }

    /// Sends `body` as JSON with `method`.
    pub async fn send_json(&self, method: Method, path: &str, body: Value) -> Response {
        self.request(method, path)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    pub async fn create(&self, name: &str, quantity: i64) -> Response {
        let response = self
            .send_json(
                Method::POST,
                "/v1/products",
                serde_json::json!({"name": name, "quantity": quantity}),
            )
            .await;
        assert_eq!(response.status(), 201, "creating {name:?}");
        response
    }

    /// The exposition text of the metrics listener.
    pub async fn metrics_text(&self) -> String {
        reqwest::get(format!("http://{}/metrics", self.metrics_address))
            .await
            .expect("scrape")
            .text()
            .await
            .expect("exposition text")
    }

    /// Every product name, via the paged v1 list.
    pub async fn all_names(&self) -> Vec<String> {
        let page: Value = self
            .get("/v1/products?limit=1000")
            .await
            .json()
            .await
            .expect("JSON");
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["name"].as_str().expect("name").to_owned())
            .collect()
    }

    /// Stops the server gracefully and hands back its database (for restarts).
    pub async fn stop(mut self) -> TestDatabase {
        self.stop.take().expect("running").fire();
        self.server
            .take()
            .expect("running")
            .await
            .expect("server task")
            .expect("server stops cleanly");
        std::mem::replace(&mut self.db, TestDatabase::at(String::new()))
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(trigger) = self.stop.take() {
            trigger.fire();
        }
    }
}

/// Asserts a problem+json response with `status` and returns its body.
pub async fn assert_problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem JSON");
    assert_eq!(body["status"], status);
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "problem has {field}: {body}");
    }
    body
}

/// Declares one test per backend: `both!(name, |app| body)` runs `body` on SQLite and PostgreSQL.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::helpers::Backend::Postgres).await
            }
        }
    };
}
