//! Benchmark: verified + durable paid requests per second and the latency the gateway
//! adds, end to end through the proxy to a local upstream, at 1, 32 and 256 concurrent
//! clients, side by side with the per-call-fsync baseline (`store.max_batch = 1`: one
//! fsync per voucher, as snet-daemon persists one payment at a time) — and an open
//! loop at a fixed rate for the latency target. Prints tables; asserts nothing.
//!
//! ```sh
//! cargo bench --manifest-path offchain/Cargo.toml -p gb-gateway --bench paid_requests
//! GB_BENCH_SECS=10 GB_BENCH_RATE=1000 cargo bench … # longer cells, another rate
//! ```
//!
//! Every request carries a fresh voucher (pre-signed, amount k × price for the k-th
//! call of a client); every voucher's sr25519 signature is verified and its charge
//! made durable (SQLite WAL, synchronous=FULL, in a temporary directory) before the
//! request is forwarded. "Added" latency is the gateway's minus the upstream's alone
//! at the same concurrency (measured in the same run).
//!
//! The chain: the gateway reads the service's terms and each channel once (first
//! sight), then never again per request. The bench answers those reads from a table
//! (`TableChain`, the same SCALE bytes escrow and the registry return) so that the
//! bench does not need the in-process chain's runtime built in release mode; nothing
//! on the measured path touches the chain.

use bytes::Bytes;
use gb_chain::{
    AccountId, AccountKey, Balance, BlockEvents, Chain, ChainError, ChainInfo, CodeHash,
    ContractCall, Cost, DryRun, DryRunInstantiation, EventStream, Instantiated, Instantiation,
    Submitted, Timestamp, Weight,
};
use gb_client::{ink_account, Client, DeployedContract, Deployment};
use gb_gateway::config::Config;
use gb_gateway::store::sqlite::SqliteStore;
use gb_gateway::Setup;
use gb_interfaces::ChannelState;
use gb_protocol::headers::{self, PAYMENT_SIGNATURE};
use gb_protocol::PaymentPayload;
use gb_voucher::{VoucherKey, VoucherSigner as _};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HttpClient};
use hyper_util::rt::TokioExecutor;
use scale::Encode;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PRICE: Balance = 10_000_000_000;
const GENESIS: [u8; 32] = [0x42; 32];

/// A chain that answers the reads the gateway makes from a table of call → output.
struct TableChain {
    answers: HashMap<Vec<u8>, Vec<u8>>,
    now: Timestamp,
}

#[async_trait::async_trait]
impl Chain for TableChain {
    fn info(&self) -> ChainInfo {
        ChainInfo {
            name: "bench table".into(),
            url: None,
            genesis_hash: format!("0x{}", hex::encode(GENESIS)),
            dev: true,
        }
    }
    fn query_origin(&self) -> AccountId {
        AccountId([0; 32])
    }
    async fn dry_run(&self, _: &AccountId, call: &ContractCall) -> Result<DryRun, ChainError> {
        let data = self
            .answers
            .get(&call.data)
            .cloned()
            .ok_or_else(|| ChainError::Rpc("the bench table has no answer".into()))?;
        Ok(DryRun {
            data,
            reverted: false,
            gas_required: Weight::default(),
            cost: Cost::default(),
            debug: String::new(),
        })
    }
    async fn submit(&self, _: &AccountKey, _: &ContractCall) -> Result<Submitted, ChainError> {
        Err(ChainError::Rpc("the bench submits nothing".into()))
    }
    async fn dry_run_instantiate(
        &self,
        _: &AccountId,
        _: &Instantiation,
    ) -> Result<DryRunInstantiation, ChainError> {
        Err(ChainError::Rpc("no".into()))
    }
    async fn instantiate(
        &self,
        _: &AccountKey,
        _: &Instantiation,
    ) -> Result<Instantiated, ChainError> {
        Err(ChainError::Rpc("no".into()))
    }
    async fn free_balance(&self, _: &AccountId) -> Result<Balance, ChainError> {
        Ok(0)
    }
    async fn fund(&self, _: &AccountKey, _: &AccountId, _: Balance) -> Result<(), ChainError> {
        Ok(())
    }
    async fn code_hash_at(&self, _: &AccountId) -> Result<Option<CodeHash>, ChainError> {
        Ok(None)
    }
    async fn now(&self) -> Result<Timestamp, ChainError> {
        Ok(self.now)
    }
    async fn advance(&self, _: Timestamp) -> Result<(), ChainError> {
        Ok(())
    }
    async fn subscribe(&self) -> Result<EventStream, ChainError> {
        use futures::StreamExt as _;
        Ok(futures::stream::pending::<Result<BlockEvents, ChainError>>().boxed())
    }
}

fn deployment() -> Deployment {
    let c = |b: u8| DeployedContract {
        address: AccountId([b; 32]),
        code_hash: [0; 32],
        block: None,
    };
    let text = serde_json::json!({
        "chain": { "name": "bench", "genesis_hash": format!("0x{}", hex::encode(GENESIS)), "dev": true },
        "deployer": AccountId([9; 32]),
        "fee_bps": 0,
        "treasury": AccountId([9; 32]),
        "contracts": { "registry": c(1), "reputation": c(2), "escrow": c(3) },
    });
    serde_json::from_value(text).expect("a deployment")
}

/// The bench's market: one service, `n` channels with their voucher keys.
struct Market {
    chain: Arc<TableChain>,
    keys: Vec<VoucherKey>,
}

fn market(n: usize) -> Market {
    let d = deployment();
    let client = Client::new(
        Arc::new(TableChain {
            answers: HashMap::new(),
            now: 0,
        }) as Arc<dyn Chain>,
        d,
    );
    let payee = AccountId([7; 32]);
    let now = 1_700_000_000_000u64;
    let mut answers = HashMap::new();
    let service = registry::types::Service {
        org_id: "bench".into(),
        name: "bench".into(),
        price: PRICE,
        payee: ink_account(&payee),
        endpoint: "http://127.0.0.1".into(),
        metadata_uri: "ipfs://bench".into(),
        metadata_hash: [0; 32],
        tags: vec![],
        active: true,
        created_at: 0,
        updated_at: 0,
    };
    answers.insert(
        client.registry().service(1).call.data,
        Ok::<_, u8>(Some(service)).encode(),
    );
    // The escrow's configuration: the gateway offers the voucher schemes it accepts.
    let escrow_config = escrow::types::Config {
        owner: ink_account(&payee),
        service_registry: ink_account(&payee),
        reputation: None,
        fee_bps: 0,
        treasury: ink_account(&payee),
        next_channel_id: 1,
        sr25519_vouchers: true,
        genesis_hash: GENESIS,
    };
    answers.insert(
        client.escrow().config().call.data,
        Ok::<_, u8>(escrow_config).encode(),
    );
    let keys: Vec<VoucherKey> = (0..n)
        .map(|i| {
            VoucherKey::sr25519_from_seed(&[
                (i % 251) as u8 + 1,
                (i / 251) as u8,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
                7,
            ])
        })
        .collect();
    for (i, k) in keys.iter().enumerate() {
        let id = i as u64 + 1;
        let ch = escrow::types::Channel {
            id,
            client: ink_account(&AccountId([i as u8; 32])),
            payee: ink_account(&payee),
            service_id: 1,
            signer: k.signer(),
            funds: u128::MAX / 4,
            claimed: 0,
            expiry: now + 365 * 86_400_000,
            last_claim_at: 0,
            state: ChannelState::Open,
            fee_bps: 0,
            payer: ink_account(&AccountId([i as u8; 32])),
        };
        answers.insert(
            client.escrow().channel(id).call.data,
            Ok::<_, u8>(Some(ch)).encode(),
        );
    }
    Market {
        chain: Arc::new(TableChain { answers, now }),
        keys,
    }
}

/// Pre-signed `PAYMENT-SIGNATURE` values for channels `first + 1 ..= first + clients`:
/// `per` per channel, amounts price × 1, 2, …
fn vouchers(m: &Market, first: usize, clients: usize, per: usize) -> Vec<Vec<String>> {
    let escrow = gb_interfaces::VoucherDomain::new(GENESIS, [3u8; 32]);
    let network = gb_protocol::network_id(&GENESIS);
    let sign = |c: usize| -> Vec<String> {
        let c = first + c;
        (1..=per)
            .map(|k| {
                let v = gb_voucher::sign(&m.keys[c], &escrow, c as u64 + 1, k as u128 * PRICE);
                headers::encode(&PaymentPayload::new(network.clone(), v))
            })
            .collect()
    };
    std::thread::scope(|s| {
        let half = clients / 2;
        let sign = &sign;
        let a = s.spawn(move || (0..half).map(sign).collect::<Vec<_>>());
        let b: Vec<_> = (half..clients).map(sign).collect();
        let mut all = a.join().unwrap();
        all.extend(b);
        all
    })
}

async fn upstream() -> SocketAddr {
    let app = axum::Router::new().fallback(|| async { "ok" });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    addr
}

type Http = HttpClient<HttpConnector, Full<Bytes>>;

fn http() -> Http {
    let mut c = HttpConnector::new();
    c.set_nodelay(true);
    HttpClient::builder(TokioExecutor::new())
        .pool_max_idle_per_host(1024)
        .build(c)
}

async fn call(c: &Http, addr: SocketAddr, voucher: Option<&str>) -> Duration {
    let mut b = http::Request::post(format!("http://{addr}/v1/infer"));
    if let Some(v) = voucher {
        b = b.header(PAYMENT_SIGNATURE, v);
    }
    let t = Instant::now();
    let resp = c
        .request(b.body(Full::new(Bytes::from_static(b"{}"))).unwrap())
        .await
        .expect("a response");
    let status = resp.status();
    let _ = resp.into_body().collect().await;
    assert!(status.is_success(), "status {status}");
    t.elapsed()
}

struct Cell {
    rps: f64,
    p50: f64,
    p99: f64,
    n: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// `clients` closed-loop clients for `secs` (or until their vouchers run out).
async fn closed_loop(
    addr: SocketAddr,
    clients: usize,
    secs: f64,
    vouchers: Option<&[Vec<String>]>,
) -> Cell {
    let c = http();
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..clients {
        let c = c.clone();
        let mine: Option<Vec<String>> = vouchers.map(|v| v[i].clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut k = 0;
            while Instant::now() < deadline {
                let v = match &mine {
                    Some(list) => match list.get(k) {
                        Some(v) => Some(v.as_str()),
                        None => break,
                    },
                    None => None,
                };
                lat.push(call(&c, addr, v).await);
                k += 1;
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let took = started.elapsed().as_secs_f64();
    all.sort();
    Cell {
        rps: all.len() as f64 / took,
        p50: percentile(&all, 0.5),
        p99: percentile(&all, 0.99),
        n: all.len(),
    }
}

/// An open loop: requests started at `rate` per second for `secs`, on `clients`
/// channels in turn (each channel's vouchers in order).
async fn open_loop(
    addr: SocketAddr,
    rate: f64,
    secs: f64,
    vouchers: Option<&[Vec<String>]>,
    clients: usize,
) -> Cell {
    let c = http();
    let total = (rate * secs) as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        let at = started + interval * n as u32;
        tokio::time::sleep_until(at.into()).await;
        let c = c.clone();
        let v: Option<String> = vouchers.map(|v| v[n % clients][n / clients].clone());
        tasks.push(tokio::spawn(
            async move { call(&c, addr, v.as_deref()).await },
        ));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.push(t.await.unwrap());
    }
    let took = started.elapsed().as_secs_f64();
    all.sort();
    Cell {
        rps: all.len() as f64 / took,
        p50: percentile(&all, 0.5),
        p99: percentile(&all, 0.99),
        n: all.len(),
    }
}

async fn gateway(
    m: &Market,
    upstream: SocketAddr,
    dir: &Path,
    max_batch: usize,
) -> gb_gateway::Running {
    let db = dir.join(format!("bench-{max_batch}.db"));
    let text = format!(
        "listen = \"127.0.0.1:0\"\nupstream = \"http://{upstream}\"\nservice_id = 1\ndeployment = \"x\"\n\
         [store]\npath = \"{}\"\nmax_batch = {max_batch}\n[claims]\nenabled = false\n",
        db.display()
    );
    let config = Config::from_toml(&text, Vec::new(), Path::new("/tmp/bench.toml")).unwrap();
    gb_gateway::start(Setup {
        config,
        chain: m.chain.clone(),
        deployment: deployment(),
        store: Arc::new(SqliteStore::open(&db).unwrap()),
        claimer_key: None,
    })
    .await
    .expect("a gateway")
}

/// (writes, commits) so far, from the gateway's metrics.
async fn batch_totals(addr: SocketAddr) -> (f64, f64) {
    let c = http();
    let resp = c
        .request(
            http::Request::get(format!("http://{addr}/metrics"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    let text = String::from_utf8(
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    let value = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (
        value("gb_gateway_store_commit_batch_sum"),
        value("gb_gateway_store_commit_batch_count"),
    )
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let secs: f64 = std::env::var("GB_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let rate: f64 = std::env::var("GB_BENCH_RATE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000.0);
    let levels = [1usize, 32, 256];
    // Each cell pays on channels of its own: 1 + 32 + 256 closed loop, 64 open loop.
    let m = market(1 + 32 + 256 + 64);
    let up = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    println!("gb-gateway benchmark: {secs} s per cell, 2 worker threads, SQLite WAL synchronous=FULL in {}", dir.path().display());
    println!(
        "(every request: a fresh sr25519 voucher verified, its charge fsynced before forwarding)\n"
    );
    // Upstream alone, for the added latency.
    let mut direct = HashMap::new();
    for &n in &levels {
        direct.insert(n, closed_loop(up, n, secs.min(3.0), None).await);
    }
    let direct_open = open_loop(up, rate, secs, None, 1).await;
    println!("| mode | clients | paid req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | writes per fsync | requests |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut best = HashMap::new();
    for (mode, max_batch) in [
        ("group commit", 1024usize),
        ("per-call fsync (baseline)", 1),
    ] {
        let g = gateway(&m, up, dir.path(), max_batch).await;
        let mut first = 0;
        for &n in &levels {
            // Enough vouchers for the fastest plausible rate.
            let per = ((40_000.0 * secs) as usize / n).clamp(50, 200_000);
            let vs = vouchers(&m, first, n, per);
            first += n;
            // Warm: first sight of each channel.
            let warm: Vec<Vec<String>> = (0..n).map(|i| vec![vs[i][0].clone()]).collect();
            closed_loop(g.addr, n, 60.0, Some(&warm)).await;
            let rest: Vec<Vec<String>> = vs.into_iter().map(|v| v[1..].to_vec()).collect();
            let before = batch_totals(g.addr).await;
            let cell = closed_loop(g.addr, n, secs, Some(&rest)).await;
            let after = batch_totals(g.addr).await;
            let batch = (after.0 - before.0) / (after.1 - before.1);
            let d = &direct[&n];
            println!(
                "| {mode} | {n} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {} |",
                cell.rps,
                cell.p50,
                cell.p99,
                cell.p50 - d.p50,
                cell.p99 - d.p99,
                batch,
                cell.n
            );
            best.insert((max_batch, n), cell.rps);
        }
        if max_batch > 1 {
            // The latency target: an open loop at `rate` req/s over 64 channels.
            let clients = 64;
            let per = (rate * secs) as usize / clients + 2;
            let vs = vouchers(&m, first, clients, per + 1);
            let warm: Vec<Vec<String>> = vs.iter().map(|v| vec![v[0].clone()]).collect();
            closed_loop(g.addr, clients, 60.0, Some(&warm)).await;
            let rest: Vec<Vec<String>> = vs.iter().map(|v| v[1..].to_vec()).collect();
            let cell = open_loop(g.addr, rate, secs, Some(&rest), clients).await;
            println!(
                "| {mode}, open loop {rate:.0} req/s | 64 channels | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | | {} |",
                cell.rps,
                cell.p50,
                cell.p99,
                cell.p50 - direct_open.p50,
                cell.p99 - direct_open.p99,
                cell.n
            );
        }
        g.shutdown().await;
    }
    println!();
    println!("| clients | upstream alone req/s | p50 ms | p99 ms |");
    println!("|---:|---:|---:|---:|");
    for &n in &levels {
        let d = &direct[&n];
        println!("| {n} | {:.0} | {:.2} | {:.2} |", d.rps, d.p50, d.p99);
    }
    println!(
        "| open loop {rate:.0}/s | {:.0} | {:.2} | {:.2} |",
        direct_open.rps, direct_open.p50, direct_open.p99
    );
    println!();
    for &n in &levels {
        let g = best[&(1024, n)];
        let b = best[&(1, n)];
        println!(
            "group commit / per-call fsync at {n} clients: {:.1}×",
            g / b
        );
    }
}
