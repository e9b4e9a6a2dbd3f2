//! Several gateway replicas sharing one PostgreSQL ledger, against a real server the
//! test starts itself (`initdb` + `pg_ctl` in a temporary directory, on a free port,
//! as the `postgres` user when run as root).
//!
//! Without PostgreSQL on the machine the tests print why and pass, unless
//! `GB_REQUIRE_POSTGRES=1` (as `scripts/test.sh` sets it), where they fail.

use crate::common::*;
use gb_gateway::store::postgres::PostgresStore;
use gb_gateway::store::Store;
use gb_protocol::headers::PAYMENT_SIGNATURE;
use gb_protocol::ProblemKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A PostgreSQL server in a temporary directory.
struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn pg_bin() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if p.join("initdb").exists() {
            return Some(p);
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Postgres {
    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .output()
            .map_err(|e| format!("{tool}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Starts a fresh server, or says why it cannot.
    fn start() -> Result<Postgres, String> {
        let bin = pg_bin()
            .ok_or("PostgreSQL is not installed (no initdb; Debian package `postgresql`)")?;
        let dir = tempfile::Builder::new()
            .prefix("gb-pg")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let as_postgres = is_root();
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .map_err(|e| e.to_string())?
                .success();
            if !ok {
                return Err("cannot hand the data directory to the postgres user".into());
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let pg = Postgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        )?;
        pg.pg_ctl_start()?;
        Ok(pg)
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={}",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-o", &opts, "-l", &log, "-w", "start"],
        )
    }

    fn stop(&self) {
        let _ = self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The server, or `None` (skip) where PostgreSQL is missing and not required.
fn postgres() -> Option<Postgres> {
    match Postgres::start() {
        Ok(pg) => Some(pg),
        Err(why) if std::env::var("GB_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("GB_REQUIRE_POSTGRES=1 but PostgreSQL cannot be started: {why}")
        }
        Err(why) => {
            eprintln!("postgres test SKIPPED: {why}");
            None
        }
    }
}

async fn replica(
    w: &World,
    upstream: &str,
    pg: &Postgres,
    name: &str,
    claims: bool,
) -> (gb_gateway::Running, Arc<dyn Store>) {
    let store: Arc<dyn Store> = Arc::new(PostgresStore::connect(&pg.url()).await.unwrap());
    let mut cfg = config(upstream, Path::new("/unused"), w.service);
    cfg.replica_id = name.into();
    cfg.claims.enabled = claims;
    (start(w, cfg, store.clone()).await, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_never_spend_the_same_credit_twice() {
    let Some(pg) = postgres() else { return };
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let (a, store) = replica(&w, &url, &pg, "a", true).await;
    let (b, _) = replica(&w, &url, &pg, "b", false).await;
    let id = w.open(0, 100 * UNIT, DAY).await;
    let c = http();
    // Pay ahead at replica a: one call served, credit for four more.
    assert_eq!(paid(&c, &a, &w, 0, id, 5 * PRICE, None).await.status, 200);
    // The same voucher, 10 times at each replica at once: the credit pays exactly 4.
    let addrs = [a.addr, b.addr];
    let header = w.pay(0, id, 5 * PRICE);
    let mut tasks = Vec::new();
    for n in 0..20 {
        let addr = addrs[n % 2];
        let h = header.clone();
        tasks.push(tokio::spawn(async move {
            send(
                &http(),
                addr,
                "POST",
                "/echo",
                &[(PAYMENT_SIGNATURE, h)],
                b"x",
            )
            .await
        }));
    }
    let mut served = 0;
    for t in tasks {
        let ans = t.await.unwrap();
        match ans.status {
            200 => served += 1,
            402 => assert_eq!(ans.problem().kind(), Some(ProblemKind::StaleAmount)),
            s => panic!("status {s}"),
        }
    }
    assert_eq!(served, 4);
    assert_eq!(up.hits.load(Ordering::SeqCst), 5);
    let ch = store.channel(id).await.unwrap().unwrap();
    assert_eq!(
        (ch.ledger.accepted, ch.ledger.spent),
        (5 * PRICE, 5 * PRICE)
    );
    // Replica a claims what both accepted.
    let r = a.claim_now(true, false).await.unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(w.channel(id).await.claimed, 5 * PRICE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_spread_over_replicas_are_each_charged_once_and_keys_replay_across_them() {
    let Some(pg) = postgres() else { return };
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let (a, store) = replica(&w, &url, &pg, "a", false).await;
    let (b, _) = replica(&w, &url, &pg, "b", false).await;
    let id = w.open(0, 1000 * UNIT, DAY).await;
    const N: u128 = 60;
    let mut tasks = Vec::new();
    for k in 1..=N {
        let addr = if k % 2 == 0 { a.addr } else { b.addr };
        let h = w.pay(0, id, k * PRICE);
        tasks.push(tokio::spawn(async move {
            send(
                &http(),
                addr,
                "POST",
                "/echo",
                &[(PAYMENT_SIGNATURE, h)],
                b"x",
            )
            .await
            .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let ch = store.channel(id).await.unwrap().unwrap();
    assert_eq!(
        (ch.ledger.accepted, ch.ledger.spent),
        (N * PRICE, N * PRICE)
    );
    // A key used at a is replayed at b.
    let c = http();
    let first = paid(&c, &a, &w, 0, id, (N + 1) * PRICE, Some("shared")).await;
    assert_eq!(first.status, 200);
    let mut replayed = false;
    for _ in 0..50 {
        let again = paid(&c, &b, &w, 0, id, (N + 1) * PRICE, Some("shared")).await;
        if again.status == 200 {
            assert!(again.receipt().receipt.replayed);
            replayed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(replayed);
    assert_eq!(up.hits.load(Ordering::SeqCst), N as u64 + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_answers_503_forwards_nothing_and_recovers() {
    let Some(pg) = postgres() else { return };
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let (a, store) = replica(&w, &url, &pg, "a", false).await;
    let id = w.open(0, 100 * UNIT, DAY).await;
    let c = http();
    assert_eq!(paid(&c, &a, &w, 0, id, PRICE, None).await.status, 200);
    pg.stop();
    let ans = paid(&c, &a, &w, 0, id, 2 * PRICE, Some("while-down")).await;
    assert_eq!(ans.status, 503);
    assert_eq!(ans.problem().kind(), Some(ProblemKind::StoreUnavailable));
    assert_eq!(up.hits.load(Ordering::SeqCst), 1);
    pg.pg_ctl_start().unwrap();
    let mut ok = false;
    for _ in 0..100 {
        let ans = paid(&c, &a, &w, 0, id, 2 * PRICE, Some("while-down")).await;
        if ans.status == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ok, "served again once the database is back");
    let ch = store.channel(id).await.unwrap().unwrap();
    assert_eq!(ch.ledger.spent, 2 * PRICE);
    assert_eq!(up.hits.load(Ordering::SeqCst), 2);
}
