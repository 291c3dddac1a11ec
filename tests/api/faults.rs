//! Faults survived: a database outage under load, SIGTERM under load, slow and oversized clients.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::join_all;
use reqwest::Method;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;
use crate::otlp::{Service, free_port};

/// A PostgreSQL server of the test's own (so stopping it disturbs no other test).
struct PrivateCluster {
    dir: tempfile::TempDir,
    port: u16,
}

fn pg_bin(tool: &str) -> PathBuf {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .expect("pg_config (PostgreSQL) is installed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()).join(tool)
}

/// PostgreSQL refuses to run as root; the server runs as `postgres`.
fn as_postgres(tool: &str, args: &[&str]) {
    let status = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(pg_bin(tool))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("runuser");
    assert!(status.success(), "{tool} {args:?}");
}

impl PrivateCluster {
    fn create() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Command::new("chown")
            .args(["postgres:", dir.path().to_str().unwrap()])
            .status()
            .unwrap();
        let data = dir.path().join("data");
        as_postgres(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        let cluster = Self {
            dir,
            port: free_port(),
        };
        cluster.start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").to_string_lossy().into_owned();
        as_postgres(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self) {
        as_postgres("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(pg_bin("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// With writes running, PostgreSQL stops and starts again: liveness stays 200, readiness and
/// data requests answer 503 promptly, everything is 200 again within 5 s of the database's
/// return, and every write that was answered 2xx is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_answered_503_and_survived() {
    let cluster = PrivateCluster::create();
    let app = spawn_app_with(
        TestDatabase::at(cluster.url()),
        &[
            "--db-acquire-timeout-seconds",
            "1",
            "--request-timeout-seconds",
            "3",
        ],
    )
    .await;
    let app = Arc::new(app);
    let running = Arc::new(AtomicBool::new(true));
    let writer = tokio::spawn({
        let (app, running) = (app.clone(), running.clone());
        async move {
            let mut acknowledged = Vec::new();
            let mut i = 0;
            while running.load(Ordering::Relaxed) {
                let name = format!("item-{i}");
                let response = app
                    .send_json(
                        Method::POST,
                        "/v1/products",
                        json!({"name": name, "quantity": 1}),
                    )
                    .await;
                if response.status() == 201 {
                    acknowledged.push(name);
                } else {
                    assert_eq!(response.status(), 503, "only 201 or 503 during an outage");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                i += 1;
            }
            acknowledged
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;

    cluster.stop();
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "liveness never touches the database"
    );
    for path in ["/readyz", "/v1/products/item-0", "/v1/products"] {
        let started = Instant::now();
        assert_problem(app.get(path).await, 503).await;
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{path} answered after {:?}",
            started.elapsed()
        );
    }

    cluster.start();
    let back = Instant::now();
    loop {
        if app.get("/readyz").await.status() == 200
            && app.get("/v1/products?limit=1").await.status() == 200
        {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "not recovered 5 s after the database returned"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.store(false, Ordering::Relaxed);
    let acknowledged = writer.await.unwrap();
    assert!(acknowledged.len() > 5, "the load ran");
    let stored = app.all_names().await;
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|name| !stored.contains(name))
        .collect();
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
}

/// PostgreSQL ends every connection of the service (a failover, an administrator's kill): a
/// broken connection fails at most the one request that finds it (503) and is then replaced,
/// never handed out again, so the pool heals without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_the_database_ends_are_replaced() {
    const POOL: usize = 4;
    let app = spawn_app_with(
        TestDatabase::new(Backend::Postgres).await,
        &["--db-max-connections", &POOL.to_string()],
    )
    .await;
    app.create("ball", 1).await;
    // Open every pooled connection.
    let reads = (0..4 * POOL).map(|_| app.get("/v1/products/ball"));
    assert!(join_all(reads).await.iter().all(|r| r.status() == 200));

    let admin = app.db.connect().await;
    let ended = admin
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'products-api'",
        ))
        .await
        .unwrap();
    let ended = ended.len();
    assert!(ended > 0, "the service holds connections");

    let mut statuses = Vec::new();
    for _ in 0..5 * POOL {
        statuses.push(app.get("/v1/products/ball").await.status().as_u16());
    }
    let failed = statuses.iter().filter(|&&s| s != 200).count();
    assert!(
        statuses.iter().all(|&s| s == 200 || s == 503) && failed <= ended,
        "each ended connection fails one request at most: {statuses:?}"
    );
    assert!(
        statuses[statuses.len() - POOL..].iter().all(|&s| s == 200),
        "healed: {statuses:?}"
    );
}

/// SIGTERM with requests in flight (their bodies still arriving) and clients still connecting:
/// the in-flight requests complete with 2xx, every request sent before the signal is answered,
/// new connections are soon refused (the listener closed), and the process exits 0 within the
/// grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_completes_accepted_requests_and_exits_0() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let service = Service::start(&db.url, &[("RUST_LOG", "warn".to_owned())], Stdio::null()).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let base = service.base.clone();

    // Bodies that take about a second to arrive: these requests are in flight at the signal.
    let in_flight: Vec<_> = (0..8)
        .map(|i| {
            let chunks = [
                format!(r#"{{"name":"in-flight-{i}","#),
                r#""quantity""#.to_owned(),
                ":".to_owned(),
                "1}".to_owned(),
            ];
            let body = futures::stream::iter(chunks).then(|chunk| async move {
                tokio::time::sleep(Duration::from_millis(250)).await;
                Ok::<_, std::io::Error>(chunk)
            });
            client
                .post(format!("{base}/v1/products"))
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(body))
                .send()
        })
        .map(tokio::spawn)
        .collect();

    let signal_at = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let load: Vec<_> = (0..8)
        .map(|_| {
            let (client, base, signal_at) = (client.clone(), base.clone(), signal_at.clone());
            tokio::spawn(async move {
                let mut refused_after_signal = false;
                let stop = Instant::now() + Duration::from_secs(4);
                while Instant::now() < stop && !refused_after_signal {
                    let sent = Instant::now();
                    let result = client.get(format!("{base}/v1/products")).send().await;
                    let signalled = *signal_at.lock().unwrap();
                    match result {
                        Ok(response) => assert_eq!(response.status(), 200),
                        // A request sent before the signal must be answered.
                        Err(err) => {
                            assert!(
                                signalled.is_some_and(|at| sent >= at),
                                "sent before SIGTERM and failed: {err:?}"
                            );
                            refused_after_signal = err.is_connect();
                        }
                    }
                }
                refused_after_signal
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(300)).await;
    *signal_at.lock().unwrap() = Some(Instant::now());
    let signalled = Instant::now();
    let status = service.terminate().await;
    assert_eq!(status.code(), Some(0));
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "exited within the grace period"
    );

    for request in in_flight {
        let response = request
            .await
            .unwrap()
            .expect("an in-flight request completes");
        assert_eq!(response.status(), 201);
    }
    let refused = join_all(load)
        .await
        .into_iter()
        .filter(|r| *r.as_ref().unwrap())
        .count();
    assert!(
        refused > 0,
        "new connections are refused once the listener is closed"
    );
}

/// What the server sent before it closed the connection (a reset counts as closed); fails the
/// test if the connection is still open after `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> String {
    let mut received = Vec::new();
    let ended = tokio::time::timeout(within, stream.read_to_end(&mut received)).await;
    assert!(
        ended.is_ok(),
        "the server kept the connection open for {within:?}"
    );
    String::from_utf8_lossy(&received).into_owned()
}

/// Headers or a body sent a byte at a time are cut off by a timeout, and the service keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off() {
    let db = TestDatabase::new(Backend::Sqlite).await;
    let app = spawn_app_with(db, &["--request-timeout-seconds", "1"]).await;

    let trickle = |prefix: &'static [u8], slow: &'static [u8]| {
        let address = app.address;
        tokio::spawn(async move {
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream.write_all(prefix).await.unwrap();
            let started = Instant::now();
            for byte in slow {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                if started.elapsed() > Duration::from_secs(8) {
                    break;
                }
            }
            let answer = read_until_closed(&mut stream, Duration::from_secs(2)).await;
            (started.elapsed(), answer)
        })
    };
    let slow_headers = trickle(
        b"GET /healthz HTTP/1.1\r\n",
        b"Host: example.test\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
    );
    let slow_body = trickle(
        b"POST /v1/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n",
        b"{\"name\":\"slow\",\"quantity\":1,\"pad\":\"aaaaaaaaaaaaaaaaaaaaaaa\"}",
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "others are served meanwhile"
    );
    let (elapsed, answer) = slow_headers.await.unwrap();
    assert!(
        elapsed < Duration::from_secs(6),
        "slow headers held the connection {elapsed:?}"
    );
    assert!(!answer.contains("200 OK"), "{answer}");
    let (elapsed, answer) = slow_body.await.unwrap();
    assert!(
        elapsed < Duration::from_secs(6),
        "slow body held the connection {elapsed:?}"
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 503"),
        "{answer}"
    );
    assert_problem(app.get("/v1/products/slow").await, 404).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let huge = "a".repeat(512 * 1024);
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: {huge}\r\n\r\n");
    let _ = stream.write_all(request.as_bytes()).await;
    let answer = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    stream
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes())
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert_eq!(app.get("/healthz").await.status(), 200);
}
