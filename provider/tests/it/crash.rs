//! Crash safety, by killing: the `gb-gateway` binary serves paid calls from 16 clients
//! (1 200 calls in all) and is killed with SIGKILL after ~500 of them; it is started
//! again on the same store and claims. Every voucher whose call reached the service is
//! in the store and claimed on chain: 0 lost.
//!
//! How the pieces live: this test process keeps the in-process chain and serves it on
//! loopback (`gb_gateway::testkit::serve_chain`); the gateway process reaches it with
//! `--url remote+http://…` (dry-run reads, finalized events, claim submissions over
//! HTTP — the gateway's code path is the node's). The upstream is in this process too
//! and records, per channel, the calls that reached it and the highest voucher amount
//! among them (the client sends it in `x-test-amount`).

use crate::common::*;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::Router;
use gb_chain::Chain;
use gb_protocol::headers::{IDEMPOTENCY_KEY, PAYMENT_SIGNATURE};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: usize = 16;
const CALLS_PER_CLIENT: u128 = 75; // 1 200 in all
const KILL_AFTER: u64 = 500;

/// What reached the service: per channel, (calls, highest amount).
#[derive(Default)]
struct Seen {
    per_channel: Mutex<HashMap<u64, (u64, u128)>>,
    total: AtomicU64,
}

async fn record(State(s): State<Arc<Seen>>, req: Request) -> impl IntoResponse {
    let h = req.headers();
    let channel: u64 = h["gbrain-channel"].to_str().unwrap().parse().unwrap();
    let amount: u128 = h["x-test-amount"].to_str().unwrap().parse().unwrap();
    {
        let mut m = s.per_channel.lock().unwrap();
        let e = m.entry(channel).or_default();
        e.0 += 1;
        e.1 = e.1.max(amount);
    }
    s.total.fetch_add(1, Ordering::SeqCst);
    "served"
}

fn gateway(config: &std::path::Path, url: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_gb-gateway"))
        .args(["run", "--config"])
        .arg(config)
        .args(["--url", url])
        .env("GB_SURI", "//Bob")
        .env("GB_GATEWAY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start gb-gateway")
}

async fn wait_listening(addr: std::net::SocketAddr) {
    let c = http();
    for _ in 0..300 {
        let req = http::Request::get(format!("http://{addr}/.well-known/gbrain"))
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .unwrap();
        if let Ok(r) = c.request(req).await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the gateway did not come up at {addr}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_paid_calls_loses_no_voucher_whose_call_was_served() {
    let w = World::new(PRICE, CLIENTS).await;
    let mut channels = Vec::new();
    for i in 0..CLIENTS {
        channels.push(w.open(i, 1000 * UNIT, 10 * DAY).await);
    }
    let chain_url = gb_gateway::testkit::serve_chain(
        w.sandbox.clone() as Arc<dyn Chain>,
        vec![w.provider.clone()],
    )
    .await
    .unwrap();
    // The service.
    let seen = Arc::new(Seen::default());
    let app = Router::new().fallback(record).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    // The gateway's files.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deployment.json"), w.deployment().to_json()).unwrap();
    let port = free_port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        format!(
            r#"listen = "{addr}"
upstream = "http://{upstream_addr}"
service_id = {}
deployment = "deployment.json"
[store]
path = "gateway.db"
[claims]
interval_secs = 1
value_threshold = 1
"#,
            w.service
        ),
    )
    .unwrap();

    // Phase 1: serve, and kill -9 in the middle.
    let mut child = gateway(&config, &chain_url);
    wait_listening(addr).await;
    // While phase 1 runs the claimer may claim too; that is fine (cumulative).
    let started = Instant::now();
    let completed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for (i, id) in channels.iter().enumerate() {
        let (id, completed) = (*id, completed.clone());
        let vouchers: Vec<String> = (1..=CALLS_PER_CLIENT)
            .map(|k| w.pay(i, id, k * PRICE))
            .collect();
        tasks.push(tokio::spawn(async move {
            let c = http();
            // (k, answered 200) for each call sent; stops at the first transport error.
            let mut last_sent = 0u128;
            let mut last_ok = 0u128;
            for (k, v) in vouchers.into_iter().enumerate() {
                let k = k as u128 + 1;
                let req = http::Request::post(format!("http://{addr}/work"))
                    .header(PAYMENT_SIGNATURE, v)
                    .header(IDEMPOTENCY_KEY, format!("call-{k}"))
                    .header("x-test-amount", (k * PRICE).to_string())
                    .body(http_body_util::Full::new(bytes::Bytes::from_static(b"job")))
                    .unwrap();
                last_sent = k;
                match c.request(req).await {
                    Ok(r) if r.status() == 200 => {
                        last_ok = k;
                        completed.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(r) => panic!("call {k} on channel {id}: status {}", r.status()),
                    Err(_) => break,
                }
            }
            (id, last_sent, last_ok)
        }));
    }
    while completed.load(Ordering::SeqCst) < KILL_AFTER {
        tokio::time::sleep(Duration::from_millis(2)).await;
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "phase 1 too slow"
        );
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let killed_at = completed.load(Ordering::SeqCst);
    let mut progress = Vec::new();
    for t in tasks {
        progress.push(t.await.unwrap());
    }
    let forwarded_before = seen.total.load(Ordering::SeqCst);
    eprintln!("killed after {killed_at} answered calls; {forwarded_before} reached the service");
    assert!(forwarded_before >= KILL_AFTER);

    // Phase 2: start again on the same store; retry each client's unanswered call with
    // its key and voucher, then finish the run.
    let mut child = gateway(&config, &chain_url);
    wait_listening(addr).await;
    let c = http();
    let mut total_calls = 0u128;
    for (i, (id, last_sent, last_ok)) in progress.iter().enumerate() {
        let mut k = if last_sent > last_ok {
            *last_sent
        } else {
            last_ok + 1
        };
        while k <= CALLS_PER_CLIENT {
            let h = [
                (PAYMENT_SIGNATURE, w.pay(i, *id, k * PRICE)),
                (IDEMPOTENCY_KEY, format!("call-{k}")),
                ("x-test-amount", (k * PRICE).to_string()),
            ];
            let a = send(&c, addr, "POST", "/work", &h, b"job").await;
            assert_eq!(
                a.status,
                200,
                "channel {id} call {k}: {:?}",
                String::from_utf8_lossy(&a.body)
            );
            // A call the crash interrupted after its charge is served on that charge.
            assert_eq!(
                a.receipt().receipt.spent,
                k * PRICE,
                "channel {id} call {k}: charged once"
            );
            k += 1;
        }
        total_calls += CALLS_PER_CLIENT;
    }
    assert!(total_calls >= 1000);
    // Everything served is claimed by the restarted gateway.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut pending = 0;
        for id in &channels {
            if w.channel(*id).await.claimed < CALLS_PER_CLIENT * PRICE {
                pending += 1;
            }
        }
        if pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{pending} channels not claimed in time"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Stop gracefully (SIGTERM) and read the store.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success(), "a graceful stop exits 0");
    let out = Command::new(env!("CARGO_BIN_EXE_gb-gateway"))
        .args(["status", "--output-json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["unclaimed"], "0", "{status}");
    assert_eq!(status["pendingClaims"], serde_json::json!([]));
    let mut on_chain = HashMap::new();
    for id in &channels {
        on_chain.insert(*id, w.channel(*id).await.claimed);
    }
    let seen = seen.per_channel.lock().unwrap();
    let mut lost = 0;
    for id in &channels {
        let on_chain = on_chain[id];
        let (calls, highest) = seen[id];
        // Every call that reached the service is paid for on chain.
        if on_chain < highest || on_chain < u128::from(calls.min(CALLS_PER_CLIENT as u64)) * PRICE {
            lost += 1;
        }
        assert_eq!(on_chain, CALLS_PER_CLIENT * PRICE);
    }
    assert_eq!(lost, 0);
}
