//! Test support (feature `testkit`; never in a production build).
//!
//! The crash test kills a real `gb-gateway` process with `kill -9` while it serves paid
//! calls, and the in-process chain must outlive that process. So the test process keeps
//! the chain and serves it on loopback ([`serve_chain`]); the gateway process reaches it
//! through [`RemoteChain`], a [`Chain`] over HTTP (URL `remote+http://127.0.0.1:PORT`).
//! The gateway's code path is the same as on a node: dry-run reads, finalized events,
//! signed claim submissions — only the transport differs.
//!
//! Submissions name their signer by account: the server signs with keys it was given
//! (the in-process chain checks no signature anyway); no secret crosses the wire.

use crate::store::faulty::Faults;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use futures::StreamExt as _;
use gb_chain::{
    AccountId, AccountKey, Balance, BlockEvents, BlockRef, Chain, ChainError, ChainInfo, CodeHash,
    ContractCall, ContractEvent, Cost, DryRun, DryRunInstantiation, EventStream, Instantiated,
    Instantiation, Submitted, Timestamp, Weight,
};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::store::faulty::FaultyStore;

/// The URL scheme prefix of a remote test chain.
pub const SCHEME: &str = "remote+";

/// Faults a test can switch on (re-exported for tests).
pub type StoreFaults = Faults;

// ---- wire types -------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct WCall {
    contract: String,
    data: String,
    value: String,
}

#[derive(Serialize, Deserialize)]
struct WDryRun {
    data: String,
    reverted: bool,
    ref_time: u64,
    proof_size: u64,
    cost: Cost,
    debug: String,
}

#[derive(Serialize, Deserialize)]
struct WEvent {
    contract: String,
    topics: Vec<String>,
    data: String,
}

#[derive(Serialize, Deserialize)]
struct WBlock {
    block: BlockRef,
    events: Vec<WEvent>,
}

#[derive(Serialize, Deserialize)]
struct WSubmitted {
    dry_run: WDryRun,
    block: BlockRef,
    events: Vec<WEvent>,
    fee: String,
}

#[derive(Serialize, Deserialize)]
struct WInfo {
    info: ChainInfo,
    query_origin: String,
}

#[derive(Serialize, Deserialize)]
struct DryRunReq {
    origin: String,
    call: WCall,
}

#[derive(Serialize, Deserialize)]
struct SubmitReq {
    signer: String,
    call: WCall,
}

#[derive(Serialize, Deserialize)]
struct WError {
    error: String,
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn unhex(s: &str) -> Result<Vec<u8>, ChainError> {
    hex::decode(s.trim_start_matches("0x")).map_err(|e| ChainError::Rpc(format!("hex: {e}")))
}

fn account(s: &str) -> Result<AccountId, ChainError> {
    let b: [u8; 32] = unhex(s)?
        .try_into()
        .map_err(|_| ChainError::Rpc("account of the wrong length".into()))?;
    Ok(AccountId(b))
}

fn call_to(c: &ContractCall) -> WCall {
    WCall {
        contract: hex0x(&c.contract.0),
        data: hex0x(&c.data),
        value: c.value.to_string(),
    }
}

fn call_from(c: &WCall) -> Result<ContractCall, ChainError> {
    Ok(ContractCall {
        contract: account(&c.contract)?,
        data: unhex(&c.data)?,
        value: c
            .value
            .parse()
            .map_err(|e| ChainError::Rpc(format!("value: {e}")))?,
    })
}

fn dry_to(d: &DryRun) -> WDryRun {
    WDryRun {
        data: hex0x(&d.data),
        reverted: d.reverted,
        ref_time: d.gas_required.ref_time,
        proof_size: d.gas_required.proof_size,
        cost: d.cost,
        debug: d.debug.clone(),
    }
}

fn dry_from(d: WDryRun) -> Result<DryRun, ChainError> {
    Ok(DryRun {
        data: unhex(&d.data)?,
        reverted: d.reverted,
        gas_required: Weight {
            ref_time: d.ref_time,
            proof_size: d.proof_size,
        },
        cost: d.cost,
        debug: d.debug,
    })
}

fn event_to(e: &ContractEvent) -> WEvent {
    WEvent {
        contract: hex0x(&e.contract.0),
        topics: e.topics.iter().map(|t| hex0x(t)).collect(),
        data: hex0x(&e.data),
    }
}

fn event_from(e: WEvent) -> Result<ContractEvent, ChainError> {
    Ok(ContractEvent {
        contract: account(&e.contract)?,
        topics: e
            .topics
            .iter()
            .map(|t| {
                unhex(t)?
                    .try_into()
                    .map_err(|_| ChainError::Rpc("topic of the wrong length".into()))
            })
            .collect::<Result<_, _>>()?,
        data: unhex(&e.data)?,
    })
}

// ---- server -----------------------------------------------------------------------

struct Served {
    chain: Arc<dyn Chain>,
    keys: HashMap<[u8; 32], AccountKey>,
    blocks: Mutex<Vec<WBlock>>,
}

type S = State<Arc<Served>>;

fn fail(e: impl std::fmt::Display) -> (http::StatusCode, Json<WError>) {
    (
        http::StatusCode::INTERNAL_SERVER_ERROR,
        Json(WError {
            error: e.to_string(),
        }),
    )
}

type Answer<T> = Result<Json<T>, (http::StatusCode, Json<WError>)>;

async fn s_info(State(s): S) -> Json<WInfo> {
    Json(WInfo {
        info: s.chain.info(),
        query_origin: hex0x(&s.chain.query_origin().0),
    })
}

async fn s_dry_run(State(s): S, Json(r): Json<DryRunReq>) -> Answer<WDryRun> {
    let origin = account(&r.origin).map_err(fail)?;
    let call = call_from(&r.call).map_err(fail)?;
    let d = s.chain.dry_run(&origin, &call).await.map_err(fail)?;
    Ok(Json(dry_to(&d)))
}

async fn s_submit(State(s): S, Json(r): Json<SubmitReq>) -> Answer<WSubmitted> {
    let who = account(&r.signer).map_err(fail)?;
    let key = s
        .keys
        .get(&who.0)
        .ok_or_else(|| fail(format!("the test chain server has no key for {who}")))?;
    let call = call_from(&r.call).map_err(fail)?;
    let sub = s.chain.submit(key, &call).await.map_err(fail)?;
    Ok(Json(WSubmitted {
        dry_run: dry_to(&sub.dry_run),
        block: sub.block,
        events: sub.events.iter().map(event_to).collect(),
        fee: sub.fee.to_string(),
    }))
}

async fn s_now(State(s): S) -> Answer<u64> {
    Ok(Json(s.chain.now().await.map_err(fail)?))
}

#[derive(Deserialize)]
struct After {
    after: usize,
}

async fn s_events(State(s): S, Query(a): Query<After>) -> Json<Vec<WBlock>> {
    let blocks = s.blocks.lock().unwrap_or_else(|p| p.into_inner());
    Json(
        blocks
            .iter()
            .skip(a.after)
            .map(|b| WBlock {
                block: b.block,
                events: b
                    .events
                    .iter()
                    .map(|e| WEvent {
                        contract: e.contract.clone(),
                        topics: e.topics.clone(),
                        data: e.data.clone(),
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// A test chain server: `chain` served on 127.0.0.1 (a free port), submitting with
/// `keys` (by account). Every finalized block from now on is kept for
/// [`RemoteChain::subscribe`]rs. Returns the URL for `--url`.
pub async fn serve_chain(chain: Arc<dyn Chain>, keys: Vec<AccountKey>) -> std::io::Result<String> {
    let mut events = chain
        .subscribe()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let served = Arc::new(Served {
        chain,
        keys: keys.into_iter().map(|k| (k.account_id().0, k)).collect(),
        blocks: Mutex::new(Vec::new()),
    });
    let s = served.clone();
    tokio::spawn(async move {
        while let Some(Ok(b)) = events.next().await {
            let w = WBlock {
                block: b.block,
                events: b.events.iter().map(event_to).collect(),
            };
            s.blocks.lock().unwrap_or_else(|p| p.into_inner()).push(w);
        }
    });
    let app = Router::new()
        .route("/info", get(s_info))
        .route("/dry_run", post(s_dry_run))
        .route("/submit", post(s_submit))
        .route("/now", get(s_now))
        .route("/events", get(s_events))
        .with_state(served);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("{SCHEME}http://{addr}"))
}

// ---- client -----------------------------------------------------------------------

/// A [`Chain`] served by [`serve_chain`] in another process.
pub struct RemoteChain {
    base: String,
    http: Client<HttpConnector, Full<Bytes>>,
    info: ChainInfo,
    origin: AccountId,
}

impl RemoteChain {
    /// Connects to `http://host:port` (the URL without the `remote+` prefix).
    pub async fn connect(base: &str) -> Result<Self, ChainError> {
        let http = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        let mut c = RemoteChain {
            base: base.trim_end_matches('/').to_string(),
            http,
            info: ChainInfo {
                name: String::new(),
                url: None,
                genesis_hash: String::new(),
                dev: true,
            },
            origin: AccountId([0; 32]),
        };
        let w: WInfo = c.get("/info").await?;
        c.info = w.info;
        c.origin = account(&w.query_origin)?;
        Ok(c)
    }

    async fn request<T: for<'de> Deserialize<'de>>(
        &self,
        req: http::Request<Full<Bytes>>,
    ) -> Result<T, ChainError> {
        let unreachable = |e: String| ChainError::Unreachable {
            url: self.base.clone(),
            reason: e,
        };
        let resp = self
            .http
            .request(req)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let ok = resp.status().is_success();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| unreachable(e.to_string()))?
            .to_bytes();
        if !ok {
            let e: WError =
                serde_json::from_slice(&body).map_err(|e| ChainError::Rpc(e.to_string()))?;
            return Err(ChainError::Rpc(e.error));
        }
        serde_json::from_slice(&body)
            .map_err(|e| ChainError::Rpc(format!("test chain answer: {e}")))
    }

    async fn get<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<T, ChainError> {
        let req = http::Request::get(format!("{}{path}", self.base))
            .body(Full::new(Bytes::new()))
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
        self.request(req).await
    }

    async fn post<B: Serialize, T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ChainError> {
        let body = serde_json::to_vec(body).map_err(|e| ChainError::Rpc(e.to_string()))?;
        let req = http::Request::post(format!("{}{path}", self.base))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ChainError::Rpc(e.to_string()))?;
        self.request(req).await
    }
}

fn unsupported(what: &str) -> ChainError {
    ChainError::Rpc(format!("{what}: not served by the test chain server"))
}

#[async_trait::async_trait]
impl Chain for RemoteChain {
    fn info(&self) -> ChainInfo {
        self.info.clone()
    }

    fn query_origin(&self) -> AccountId {
        self.origin.clone()
    }

    async fn dry_run(&self, origin: &AccountId, call: &ContractCall) -> Result<DryRun, ChainError> {
        let w: WDryRun = self
            .post(
                "/dry_run",
                &DryRunReq {
                    origin: hex0x(&origin.0),
                    call: call_to(call),
                },
            )
            .await?;
        dry_from(w)
    }

    async fn submit(
        &self,
        signer: &AccountKey,
        call: &ContractCall,
    ) -> Result<Submitted, ChainError> {
        let w: WSubmitted = self
            .post(
                "/submit",
                &SubmitReq {
                    signer: hex0x(&signer.account_id().0),
                    call: call_to(call),
                },
            )
            .await?;
        Ok(Submitted {
            dry_run: dry_from(w.dry_run)?,
            block: w.block,
            events: w
                .events
                .into_iter()
                .map(event_from)
                .collect::<Result<_, _>>()?,
            fee: w.fee.parse().unwrap_or(0),
        })
    }

    async fn dry_run_instantiate(
        &self,
        _: &AccountId,
        _: &Instantiation,
    ) -> Result<DryRunInstantiation, ChainError> {
        Err(unsupported("instantiate"))
    }

    async fn instantiate(
        &self,
        _: &AccountKey,
        _: &Instantiation,
    ) -> Result<Instantiated, ChainError> {
        Err(unsupported("instantiate"))
    }

    async fn free_balance(&self, _: &AccountId) -> Result<Balance, ChainError> {
        Err(unsupported("free_balance"))
    }

    async fn fund(&self, _: &AccountKey, _: &AccountId, _: Balance) -> Result<(), ChainError> {
        Err(unsupported("fund"))
    }

    async fn code_hash_at(&self, _: &AccountId) -> Result<Option<CodeHash>, ChainError> {
        Err(unsupported("code_hash_at"))
    }

    async fn now(&self) -> Result<Timestamp, ChainError> {
        self.get("/now").await
    }

    async fn advance(&self, _: Timestamp) -> Result<(), ChainError> {
        Err(unsupported("advance"))
    }

    /// Blocks finalized from now on (polled every 20 ms); the stream fails when the
    /// server goes away.
    async fn subscribe(&self) -> Result<EventStream, ChainError> {
        let start: Vec<WBlock> = self.get("/events?after=0").await?;
        let me = RemoteChain {
            base: self.base.clone(),
            http: self.http.clone(),
            info: self.info.clone(),
            origin: self.origin.clone(),
        };
        let stream = futures::stream::unfold(
            (me, start.len(), Vec::<WBlock>::new()),
            |(me, mut seen, mut buf)| async move {
                loop {
                    if !buf.is_empty() {
                        let w = buf.remove(0);
                        let events = match w
                            .events
                            .into_iter()
                            .map(event_from)
                            .collect::<Result<Vec<_>, _>>()
                        {
                            Ok(e) => e,
                            Err(e) => return Some((Err(e), (me, seen, buf))),
                        };
                        return Some((
                            Ok(BlockEvents {
                                block: w.block,
                                events,
                            }),
                            (me, seen, buf),
                        ));
                    }
                    match me
                        .get::<Vec<WBlock>>(&format!("/events?after={seen}"))
                        .await
                    {
                        Ok(new) if new.is_empty() => {
                            tokio::time::sleep(Duration::from_millis(20)).await
                        }
                        Ok(new) => {
                            seen += new.len();
                            buf = new;
                        }
                        Err(e) => return Some((Err(e), (me, seen, buf))),
                    }
                }
            },
        );
        Ok(stream.boxed())
    }
}
