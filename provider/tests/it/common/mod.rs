//! The integration tests' world: the three contracts deployed on the in-process chain
//! (`gb_deploy::suite::deploy` on `gb_chain::sandbox::Sandbox`), a service registered
//! by the provider (//Bob, the payee), clients with funds and voucher keys, a real
//! upstream HTTP server on loopback, and gateways started on them.
#![allow(dead_code)]

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use bytes::Bytes;
use gb_chain::sandbox::Sandbox;
use gb_chain::{AccountKey, Chain};
use gb_client::{ink_account, Client, Deployment, ServiceSpec};
use gb_deploy::{bundle, suite, Bundles, Options};
use gb_gateway::config::Config;
use gb_gateway::store::{sqlite::SqliteStore, Store};
use gb_gateway::{Running, Setup};
use gb_interfaces::{ChannelId, ServiceId, Voucher, VoucherDomain};
use gb_protocol::headers::{self, IDEMPOTENCY_KEY, PAYMENT_SIGNATURE};
use gb_protocol::{PaymentPayload, PaymentRequired, PaymentResponse, Problem};
use gb_voucher::{VoucherKey, VoucherSigner as _};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HttpClient};
use hyper_util::rt::TokioExecutor;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// 10¹⁰ plancks.
pub const UNIT: u128 = 10_000_000_000;
pub const PRICE: u128 = UNIT;
pub const HOUR: u64 = 3_600_000;
pub const DAY: u64 = 24 * HOUR;

pub fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| Bundles::load(&bundle::default_dir()).unwrap_or_else(|e| panic!("{e}")))
}

/// A client of the market: its transaction key and voucher key.
pub struct Payer {
    pub key: AccountKey,
    pub vouchers: VoucherKey,
}

/// The deployed market.
pub struct World {
    pub sandbox: Arc<Sandbox>,
    pub client: Client<Arc<dyn Chain>>,
    pub provider: AccountKey,
    pub service: ServiceId,
    pub payers: Vec<Payer>,
}

impl World {
    /// Deploys the suite, registers one service at `price` paid to //Bob, and funds
    /// `n` payers (//Alice, //Charlie, …, sr25519 voucher keys).
    pub async fn new(price: u128, n: usize) -> World {
        let sandbox = Arc::new(Sandbox::new());
        let chain: Arc<dyn Chain> = sandbox.clone();
        let deployer = AccountKey::dev("Deployer");
        sandbox
            .mint(&deployer.account_id(), 1_000_000 * UNIT)
            .unwrap();
        let opts = Options {
            fee_bps: 100,
            treasury: AccountKey::dev("Ferdie").account_id(),
            salt: vec![1],
        };
        let deployment = suite::deploy(&chain, bundles(), &deployer, &opts)
            .await
            .unwrap_or_else(|e| panic!("deploy: {e}"));
        let client = Client::new(chain, deployment);
        let provider = AccountKey::dev("Bob");
        sandbox
            .mint(&provider.account_id(), 1_000_000 * UNIT)
            .unwrap();
        let r = client.registry();
        client.send(&provider, r.create_org("acme")).await.unwrap();
        let spec = ServiceSpec {
            name: "echo".into(),
            price,
            payee: ink_account(&provider.account_id()),
            endpoint: "http://127.0.0.1/".into(),
            metadata_uri: "ipfs://echo".into(),
            metadata_hash: [7; 32],
            tags: vec!["test".into()],
        };
        let service = client
            .send(&provider, r.register_service("acme", spec))
            .await
            .unwrap()
            .value;
        let names = [
            "Alice", "Charlie", "Dave", "Eve", "Grace", "Heidi", "Ivan", "Judy",
        ];
        let payers = (0..n)
            .map(|i| {
                let seed = names.get(i).map_or(format!("payer{i}"), |s| s.to_string());
                let key = AccountKey::dev(&seed);
                sandbox.mint(&key.account_id(), 1_000_000 * UNIT).unwrap();
                Payer {
                    vouchers: VoucherKey::sr25519(&format!("//{seed}")).unwrap(),
                    key,
                }
            })
            .collect();
        World {
            sandbox,
            client,
            provider,
            service,
            payers,
        }
    }

    pub fn deployment(&self) -> Deployment {
        self.client.deployment().clone()
    }

    /// The escrow's address.
    pub fn escrow(&self) -> [u8; 32] {
        self.client.deployment().escrow().0
    }

    /// What vouchers sign besides channel and amount (v2): this chain and the escrow.
    pub fn domain(&self) -> VoucherDomain {
        self.client.voucher_domain()
    }

    pub fn network(&self) -> String {
        let g =
            gb_protocol::network::parse_genesis(&self.client.chain().info().genesis_hash).unwrap();
        gb_protocol::network_id(&g)
    }

    pub async fn now(&self) -> u64 {
        self.client.chain().now().await.unwrap()
    }

    /// Payer `i` opens a channel to the service with `funds`, expiring `ttl` ms from now.
    pub async fn open(&self, i: usize, funds: u128, ttl: u64) -> ChannelId {
        self.open_for(i, self.service, funds, ttl).await
    }

    /// … for service `service`.
    pub async fn open_for(&self, i: usize, service: ServiceId, funds: u128, ttl: u64) -> ChannelId {
        let p = &self.payers[i];
        let expiry = self.now().await + ttl;
        let m = self
            .client
            .escrow()
            .deposit_and_open(service, p.vouchers.signer(), funds, expiry);
        self.client.send(&p.key, m).await.unwrap().value
    }

    /// Payer `i`'s voucher of `amount` in total on `channel`.
    pub fn voucher(&self, i: usize, channel: ChannelId, amount: u128) -> Voucher {
        gb_voucher::sign(&self.payers[i].vouchers, &self.domain(), channel, amount)
    }

    /// The `PAYMENT-SIGNATURE` value of payer `i`'s voucher.
    pub fn pay(&self, i: usize, channel: ChannelId, amount: u128) -> String {
        headers::encode(&PaymentPayload::new(
            self.network(),
            self.voucher(i, channel, amount),
        ))
    }

    /// The chain's view of a channel.
    pub async fn channel(&self, id: ChannelId) -> gb_client::Channel {
        self.client
            .query(self.client.escrow().channel(id))
            .await
            .unwrap()
            .unwrap()
    }

    /// A second service of the same provider.
    pub async fn another_service(&self, price: u128) -> ServiceId {
        let spec = ServiceSpec {
            name: "other".into(),
            price,
            payee: ink_account(&self.provider.account_id()),
            endpoint: "http://127.0.0.1/".into(),
            metadata_uri: "ipfs://other".into(),
            metadata_hash: [8; 32],
            tags: vec!["test".into()],
        };
        self.client
            .send(
                &self.provider,
                self.client.registry().register_service("acme", spec),
            )
            .await
            .unwrap()
            .value
    }
}

/// A gateway configuration for tests: the given upstream and store path, claims on
/// but not on a timer (tests claim with `claim_now`), `/free` served without payment.
pub fn config(upstream: &str, store: &Path, service: ServiceId) -> Config {
    let mut config =
        Config::embedded("127.0.0.1:0".parse().unwrap(), upstream, service, store).unwrap();
    config.free_paths = vec!["/free".into()];
    config.payment = Default::default();
    config
}

pub async fn start(world: &World, config: Config, store: Arc<dyn Store>) -> Running {
    gb_gateway::start(Setup {
        config,
        chain: world.sandbox.clone(),
        deployment: world.deployment(),
        store,
        claimer_key: Some(world.provider.clone()),
    })
    .await
    .unwrap_or_else(|e| panic!("gateway: {e}"))
}

pub fn sqlite(path: &Path) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(path).unwrap())
}

// ---- the upstream -------------------------------------------------------------------

/// A real HTTP service on loopback: counts what reaches it.
#[derive(Default)]
pub struct Upstream {
    /// Requests that reached it (every path).
    pub hits: AtomicU64,
    /// The headers of the last request.
    pub last_headers: Mutex<Option<http::HeaderMap>>,
}

/// Routes: `/echo` (200, the request body back, `x-upstream: yes`), `/fail` (500),
/// `/slow` (answers after 3 s), `/big` (200 KiB), `/stream` (an SSE stream of 5
/// events, 50 ms apart), `/free/…` (200), anything else 200 `ok`.
async fn upstream_handler(State(u): State<Arc<Upstream>>, req: Request) -> Response {
    u.hits.fetch_add(1, Ordering::SeqCst);
    *u.last_headers.lock().unwrap() = Some(req.headers().clone());
    let path = req.uri().path().to_string();
    match path.as_str() {
        "/echo" => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            (
                [("x-upstream", "yes"), ("content-type", "text/plain")],
                body,
            )
                .into_response()
        }
        "/fail" => (http::StatusCode::INTERNAL_SERVER_ERROR, "upstream broke").into_response(),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "slow".into_response()
        }
        "/big" => vec![b'x'; 200 * 1024].into_response(),
        "/stream" => {
            let s = futures::stream::unfold(0u32, |i| async move {
                if i == 5 {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                Some((
                    Ok::<_, std::convert::Infallible>(Bytes::from(format!("data: event {i}\n\n"))),
                    i + 1,
                ))
            });
            (
                [("content-type", "text/event-stream")],
                Body::from_stream(s),
            )
                .into_response()
        }
        _ => "ok".into_response(),
    }
}

/// Starts the upstream on 127.0.0.1; its URL and counters.
pub async fn upstream() -> (String, Arc<Upstream>) {
    let u = Arc::new(Upstream::default());
    let app = Router::new()
        .fallback(upstream_handler)
        .with_state(u.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), u)
}

// ---- an HTTP client -----------------------------------------------------------------

/// What came back.
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn problem(&self) -> Problem {
        assert_eq!(
            self.headers.get("content-type").unwrap(),
            "application/problem+json",
            "status {}: {:?}",
            self.status,
            self.body
        );
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn receipt(&self) -> PaymentResponse {
        let v = self
            .headers
            .get("payment-response")
            .unwrap_or_else(|| panic!("no receipt; status {}: {:?}", self.status, self.body));
        headers::decode(v.as_bytes(), 8192).unwrap()
    }

    pub fn challenge(&self) -> PaymentRequired {
        let v = self.headers.get("payment-required").expect("a challenge");
        headers::decode(v.as_bytes(), 8192).unwrap()
    }
}

pub fn http() -> HttpClient<HttpConnector, Full<Bytes>> {
    HttpClient::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// Sends `method path` to the gateway at `addr` with `headers` and `body`.
pub async fn send(
    c: &HttpClient<HttpConnector, Full<Bytes>>,
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Answer {
    let mut b = http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (n, v) in headers {
        b = b.header(*n, v.as_str());
    }
    let resp = c
        .request(b.body(Full::new(Bytes::copy_from_slice(body))).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

/// A paid `POST /echo` with payer `i`'s voucher of `amount` on `channel`.
pub async fn paid(
    c: &HttpClient<HttpConnector, Full<Bytes>>,
    g: &Running,
    w: &World,
    i: usize,
    channel: ChannelId,
    amount: u128,
    key: Option<&str>,
) -> Answer {
    let mut h = vec![(PAYMENT_SIGNATURE, w.pay(i, channel, amount))];
    if let Some(k) = key {
        h.push((IDEMPOTENCY_KEY, k.to_string()));
    }
    send(c, g.addr, "POST", "/echo", &h, b"hello").await
}
