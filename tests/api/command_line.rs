//! The binary: bad configuration, secrets in output, the health check, SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::*;

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_products-api"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("PG_DSN")
        .env_remove("PGHOST");
    command
}

/// Settings are checked at start, the trace exporter's too (with an endpoint set, so that it is
/// built); a secret in a bad setting (a password, a header's value) is never echoed.
#[test]
fn bad_settings_fail_at_start_with_exit_2_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
    let cases = [
        ("LISTEN_ADDR", "not-an-address"),
        ("DB_MAX_CONNECTIONS", "many"),
        ("MIGRATE_ON_START", "perhaps"),
        ("DATABASE_URL", "mysql://root:hunter2@db/x"),
        ("DATABASE_URL", "postgres://root:hunter2@db:notaport/x"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "bad header=hunter2"),
    ];
    for (variable, value) in cases {
        let out = binary()
            .env("DATABASE_URL", &database)
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
            .env(variable, value)
            .stdout(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{variable}={value}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains(variable), "{variable}: {all}");
        assert!(!all.contains("hunter2"), "a secret leaked: {all}");
    }
}

#[test]
fn an_unreachable_database_is_reported_without_its_password() {
    let out = binary()
        .env("DATABASE_URL", "postgres://app:s3cr3t-pw@127.0.0.1:1/x")
        .env("DB_ACQUIRE_TIMEOUT_SECONDS", "0.5")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains("REDACTED") && !all.contains("s3cr3t-pw"),
        "{all}"
    );
}

#[test]
fn each_subcommand_has_help() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["openapi", "--help"],
        &["healthcheck", "--help"],
    ] {
        let out = binary().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}

#[tokio::test]
async fn healthcheck_and_sigterm() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let port = free_port();
    let mut child = binary()
        .env("DATABASE_URL", &db.url)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("METRICS_ADDR", "127.0.0.1:0")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let healthy = || {
        binary()
            .arg("healthcheck")
            .env("LISTEN_ADDR", format!("0.0.0.0:{port}"))
            .status()
            .unwrap()
            .success()
    };
    let mut up = false;
    for _ in 0..100 {
        if healthy() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "healthcheck succeeds once the service listens");
    let url = format!("http://127.0.0.1:{port}/nope");
    assert!(
        !binary()
            .args(["healthcheck", "--url", &url])
            .status()
            .unwrap()
            .success()
    );

    send_sigterm(child.id());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM exits 0");
    assert!(!healthy());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn send_sigterm(pid: u32) {
    let status = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// `PG_DSN` (a URL, or lib/pq's `key=value` form) and the libpq variables reach PostgreSQL when
/// `DATABASE_URL` is unset: each way migrates the database it names (without them the binary would fall back to a SQLite file in
/// its working directory, which must stay empty).
#[tokio::test]
async fn pg_dsn_and_libpq_variables_reach_postgres() {
    let by_dsn = TestDatabase::new(Backend::Postgres).await;
    let by_keywords = TestDatabase::new(Backend::Postgres).await;
    let by_libpq = TestDatabase::new(Backend::Postgres).await;
    let keywords = url::Url::parse(&by_keywords.url).unwrap();
    let url = url::Url::parse(&by_libpq.url).unwrap();
    let runs = [
        (&by_dsn, vec![("PG_DSN", by_dsn.url.clone())]),
        // lib/pq's other form, which the original's PG_DSN could hold.
        (
            &by_keywords,
            vec![(
                "PG_DSN",
                format!(
                    "host={} port={} user={} password='unused-with-trust-auth' dbname={} sslmode=disable",
                    keywords.host_str().unwrap(),
                    keywords.port().unwrap_or(5432),
                    keywords.username(),
                    keywords.path().trim_start_matches('/'),
                ),
            )],
        ),
        (
            &by_libpq,
            vec![
                ("PGHOST", url.host_str().unwrap().to_owned()),
                ("PGPORT", url.port().unwrap_or(5432).to_string()),
                ("PGUSER", url.username().to_owned()),
                ("PGPASSWORD", "unused-with-trust-auth".to_owned()),
                ("PGDATABASE", url.path().trim_start_matches('/').to_owned()),
                ("PGSSLMODE", "disable".to_owned()),
            ],
        ),
    ];
    let workdir = tempfile::tempdir().unwrap();
    for (db, env) in runs {
        let out = binary()
            .current_dir(workdir.path())
            .args(["migrate", "up"])
            .envs(env.clone())
            .output()
            .unwrap();
        assert!(out.status.success(), "{env:?}: {out:?}");
        assert_eq!(db.applied_migrations().await, migration_count(), "{env:?}");
        let out = binary()
            .current_dir(workdir.path())
            .args(["migrate", "status"])
            .env("RUST_LOG", "warn")
            .envs(env.clone())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("applied")).count(),
            migration_count(),
            "{text}"
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("unused-with-trust-auth"));
    }
    let stray: Vec<_> = std::fs::read_dir(workdir.path()).unwrap().collect();
    assert!(stray.is_empty(), "no SQLite fallback: {stray:?}");
}
