//! Assembles a gateway (terms from the registry, store, writer, cache, follower,
//! claimer, HTTP listeners) and stops it gracefully: the listeners stop taking
//! connections, requests in flight finish, every queued write is committed.

use crate::channels::{ChainClient, ChannelCache};
use crate::claimer::{ClaimNow, ClaimReport, Claimer};
use crate::clock::ChainClock;
use crate::config::{Config, StoreKind};
use crate::follower::Follower;
use crate::gate::Gate;
use crate::metrics::Metrics;
use crate::proxy::Upstream;
use crate::server::{admin_router, router, App};
use crate::store::{sqlite::SqliteStore, Binding, Op, Store, StoreError};
use crate::terms::Terms;
use crate::writer::Writer;
use axum::serve::ListenerExt as _;
use gb_chain::{AccountKey, Chain, ChainError};
use gb_client::{Client, ClientError, Deployment};
use gb_protocol::{network, Account, IdempotencyTerms, SignerScheme};
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// How often expired idempotency records are deleted.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// What a gateway is made of.
pub struct Setup {
    pub config: Config,
    /// The chain (a node, or in tests the in-process chain).
    pub chain: Arc<dyn Chain>,
    pub deployment: Deployment,
    pub store: Arc<dyn Store>,
    /// The payee's key, for the claimer.
    pub claimer_key: Option<AccountKey>,
}

/// Why a gateway did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "the deployment file is for the chain with genesis {file}, but the chain reached is {node}; check --url and the deployment file"
    )]
    WrongChain { file: String, node: String },
    /// Escrow's `config().genesis_hash` is not the chain's: it was instantiated for
    /// another chain, and a voucher signed for this chain (what clients sign, from the
    /// challenge's `genesisHash`) would be refused at claim time.
    #[error(
        "escrow was deployed for the chain with genesis {escrow}, but the chain reached is {node}: its vouchers (v2) would not be claimable; deploy escrow for this chain"
    )]
    EscrowWrongChain { escrow: String, node: String },
    #[error("the registry has no service {0}: check service_id (and the deployment file)")]
    NoService(u64),
    #[error("reading from the chain: {0}")]
    Client(#[from] ClientError),
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "claims.enabled needs the payee's key: pass --suri (or set GB_SURI), or set claims.enabled = false (e.g. on all but one replica)"
    )]
    NoClaimerKey,
    #[error("the --suri key controls {key}, but service {service}'s payee is {payee}: only the payee can claim")]
    WrongKey {
        key: String,
        payee: String,
        service: u64,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{0}")]
    Upstream(String),
}

/// A running gateway.
pub struct Running {
    /// Where clients connect.
    pub addr: SocketAddr,
    /// Where `/health` and `/metrics` are, if separate.
    pub admin_addr: Option<SocketAddr>,
    pub gate: Arc<Gate>,
    follower: Arc<Follower>,
    writer: Writer,
    claims: Option<mpsc::Sender<ClaimNow>>,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
    tasks: Vec<JoinHandle<()>>,
}

/// Opens the store the configuration names.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StoreError> {
    match config.store.kind {
        StoreKind::Sqlite => {
            let path = config.store.path.clone();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
                .await
                .map_err(|e| StoreError::Unavailable(e.to_string()))??;
            Ok(Arc::new(store))
        }
        #[cfg(feature = "postgres")]
        StoreKind::Postgres => {
            let url = config.store.url.clone().unwrap_or_default();
            Ok(Arc::new(
                crate::store::postgres::PostgresStore::connect(&url).await?,
            ))
        }
        #[cfg(not(feature = "postgres"))]
        StoreKind::Postgres => Err(StoreError::Unavailable(
            "this gb-gateway was built without the `postgres` feature".into(),
        )),
    }
}

/// The terms of `config`'s service as the chain says them.
pub async fn read_terms(config: &Config, client: &ChainClient) -> Result<Terms, StartError> {
    let info = client.chain().info();
    if !info
        .genesis_hash
        .eq_ignore_ascii_case(&client.deployment().chain.genesis_hash)
    {
        return Err(StartError::WrongChain {
            file: client.deployment().chain.genesis_hash.clone(),
            node: info.genesis_hash,
        });
    }
    let genesis = network::parse_genesis(&info.genesis_hash)
        .ok_or_else(|| StartError::Upstream(format!("genesis hash `{}`", info.genesis_hash)))?;
    let service = client
        .query(client.registry().service(config.service_id))
        .await?
        .ok_or(StartError::NoService(config.service_id))?;
    let price = service.price;
    let escrow = client.query(client.escrow().config()).await?;
    if escrow.genesis_hash != genesis {
        return Err(StartError::EscrowWrongChain {
            escrow: network::genesis_hex(&escrow.genesis_hash),
            node: network::genesis_hex(&genesis),
        });
    }
    let signer_schemes = if escrow.sr25519_vouchers {
        vec![SignerScheme::Sr25519, SignerScheme::Ecdsa]
    } else {
        vec![SignerScheme::Ecdsa]
    };
    Ok(Terms {
        escrow: client.deployment().escrow().0,
        genesis,
        network: network::network_id(&genesis),
        service_id: config.service_id,
        payee: *AsRef::<[u8; 32]>::as_ref(&service.payee),
        price,
        min_deposit: Terms::min_deposit_for(config.payment.min_deposit, price),
        min_expiry_margin_ms: config.payment.min_expiry_margin_secs.saturating_mul(1000),
        max_timeout_seconds: config.proxy.timeout_secs,
        description: Some(
            config
                .description
                .clone()
                .unwrap_or_else(|| format!("{} (service {})", service.name, config.service_id)),
        ),
        free_paths: config.free_paths.clone(),
        idempotency: IdempotencyTerms {
            ttl_seconds: config.idempotency.ttl_secs,
            max_stored_response_bytes: config.idempotency.max_stored_response_bytes,
        },
        signer_schemes,
    })
}

/// Starts a gateway.
pub async fn start(setup: Setup) -> Result<Running, StartError> {
    let Setup {
        config,
        chain,
        deployment,
        store,
        claimer_key,
    } = setup;
    let client = Arc::new(Client::new(chain, deployment));
    let terms = read_terms(&config, &client).await?;
    if config.claims.enabled {
        let key = claimer_key.as_ref().ok_or(StartError::NoClaimerKey)?;
        if key.account_id().0 != terms.payee {
            return Err(StartError::WrongKey {
                key: Account(key.account_id().0).to_string(),
                payee: Account(terms.payee).to_string(),
                service: terms.service_id,
            });
        }
    }
    let binding = Binding {
        genesis: terms.genesis,
        escrow: terms.escrow,
        service_id: terms.service_id,
    };
    store.open(&binding, &config.replica_id).await?;
    let metrics = Metrics::new();
    let writer = Writer::start(store.clone(), config.store.max_batch, metrics.clone());
    let cache = Arc::new(ChannelCache::new(
        client.clone(),
        store.clone(),
        writer.clone(),
        config.payment.rate_limit_per_channel,
    ));
    let loaded = cache.load_from_store().await?;
    let clock = Arc::new(ChainClock::new(client.chain().now().await?));
    let gate = Arc::new(Gate::new(
        terms.clone(),
        cache.clone(),
        writer.clone(),
        clock.clone(),
        metrics.clone(),
        store.shared(),
        config.replica_id.clone(),
        config.proxy.max_request_body_bytes,
    ));
    let upstream = Upstream::new(
        &config.upstream,
        config.upstream_timeout(),
        config.proxy.max_request_body_bytes,
    )
    .map_err(StartError::Upstream)?;
    let following = Arc::new(AtomicBool::new(false));
    let (stop, stop_rx) = watch::channel(false);
    let (blocks, _) = watch::channel(0u64);
    let follower = Arc::new(Follower {
        client: client.clone(),
        cache: cache.clone(),
        writer: writer.clone(),
        gate: gate.clone(),
        clock: clock.clone(),
        following: following.clone(),
        blocks,
    });
    let mut tasks = Vec::new();
    {
        let f = follower.clone();
        let rx = stop_rx.clone();
        tasks.push(tokio::spawn(f.run(rx)));
    }
    // Idempotency records are forgotten after their time to live.
    {
        let (writer, clock, mut stop) = (writer.clone(), clock.clone(), stop_rx.clone());
        let ttl_ms = config.idempotency.ttl_secs.saturating_mul(1000);
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRUNE_EVERY);
            loop {
                tokio::select! {
                    _ = stop.changed() => return,
                    _ = tick.tick() => {
                        let before_ms = clock.now_ms().saturating_sub(ttl_ms);
                        if let Err(e) = writer.write(Op::Prune { before_ms }).await {
                            tracing::warn!(error = %e, "pruning idempotency records");
                        }
                    }
                }
            }
        }));
    }
    let mut claims = None;
    if let (true, Some(key)) = (config.claims.enabled, claimer_key) {
        let (tx, rx) = mpsc::channel(4);
        let claimer = Claimer {
            client: client.clone(),
            store: store.clone(),
            writer: writer.clone(),
            cache: cache.clone(),
            clock: clock.clone(),
            metrics: metrics.clone(),
            config: config.claims.clone(),
            key,
        };
        tasks.push(tokio::spawn(claimer.run(stop_rx.clone(), rx)));
        claims = Some(tx);
    }
    let app = Arc::new(App {
        gate: gate.clone(),
        upstream,
        metrics: metrics.clone(),
        writer: writer.clone(),
        following,
        max_stored_response: usize::try_from(config.idempotency.max_stored_response_bytes)
            .unwrap_or(usize::MAX),
    });
    let mut servers = Vec::new();
    let (addr, server) = serve(
        config.listen,
        router(app.clone(), config.admin_listen.is_none()),
        stop_rx.clone(),
    )
    .await?;
    servers.push(server);
    let mut admin_addr = None;
    if let Some(a) = config.admin_listen {
        let (bound, server) = serve(a, admin_router(app.clone()), stop_rx.clone()).await?;
        admin_addr = Some(bound);
        servers.push(server);
    }
    tracing::info!(
        %addr,
        service = terms.service_id,
        price = terms.price,
        payee = %Account(terms.payee),
        escrow = %Account(terms.escrow),
        network = %terms.network,
        store = store.kind(),
        channels = loaded,
        claimer = claims.is_some(),
        "gateway listening"
    );
    Ok(Running {
        addr,
        admin_addr,
        gate,
        follower,
        writer,
        claims,
        stop,
        servers,
        tasks,
    })
}

async fn serve(
    addr: SocketAddr,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) -> Result<(SocketAddr, JoinHandle<()>), StartError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| StartError::Listen { addr, source })?;
    // Small requests and answers go out at once (no Nagle delay).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let handle = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "HTTP server failed");
        }
    });
    Ok((bound, handle))
}

impl Running {
    /// Claims now: what is due (everything unclaimed with `all`); with `dry_run`
    /// nothing is submitted. `None` without a claimer.
    pub async fn claim_now(&self, all: bool, dry_run: bool) -> Option<ClaimReport> {
        let tx = self.claims.as_ref()?;
        let (reply, rx) = oneshot::channel();
        tx.send(ClaimNow {
            all,
            dry_run,
            reply,
        })
        .await
        .ok()?;
        rx.await.ok()
    }

    /// Samples the chain clock now (it is otherwise sampled every few seconds).
    pub async fn sync_clock(&self) {
        self.follower.sync_clock().await;
    }

    /// Stops taking connections, lets requests in flight finish, commits every queued
    /// write, stops the follower and the claimer.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for s in self.servers {
            let _ = s.await;
        }
        for t in self.tasks {
            let _ = t.await;
        }
        self.writer.stop().await;
        tracing::info!("gateway stopped; every accepted voucher is durable");
    }
}
